"""Forms of the referral screens: a manager's partners and agreements, the referral
card of a record, a partner user's status and answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.coding.framework import framework_for
from responsemap.triage.coding.models import Kind
from responsemap.triage.referrals.actions import PARTNER_MOVES, TEXT_MAX_LENGTH
from responsemap.triage.referrals.catalogue import shareable_choices
from responsemap.triage.referrals.models import DisclosureKind, ReferralStatus


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Organisation's name"), max_length=200)


class LinkUserForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"))
    user = forms.TypedChoiceField(label=_("Member with the partner role"), coerce=int)

    def __init__(
        self,
        *args: Any,
        partners: list[tuple[str, str]],
        members: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]
        self.fields["user"].choices = members  # type: ignore[attr-defined]


class AgreementForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"))
    purpose = forms.CharField(label=_("Purpose of sharing"), max_length=300)
    document_reference = forms.CharField(
        label=_("Reference of the signed document"), max_length=100
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    fields_allowed = forms.MultipleChoiceField(
        label=_("Fields the partner may see"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The reference is always shared. “Message (redacted)” is the copy with personal "
            "details removed; tick the original message only if the signed agreement says so."
        ),
    )
    types_allowed = forms.MultipleChoiceField(
        label=_("Types covered"), widget=forms.CheckboxSelectMultiple
    )
    sectors_allowed = forms.MultipleChoiceField(
        label=_("Sectors covered"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, partners: list[tuple[str, str]], project_id: object, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        framework = framework_for(str(project_id))
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]
        self.fields["fields_allowed"].choices = shareable_choices()  # type: ignore[attr-defined]
        self.fields["types_allowed"].choices = framework.choices(Kind.TYPE)  # type: ignore[attr-defined]
        self.fields["sectors_allowed"].choices = framework.choices(Kind.SECTOR)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("An agreement can't end before it starts."))
        return data


class AgreementEditForm(AgreementForm):
    """The terms of an agreement in force, changed with a reason: a new version. The
    partner is not among them (another partner is another agreement)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Why is it changed?"),
        max_length=300,
        help_text=_(
            "Kept with the new version. Fields taken out are hidden from the partner at once; "
            "fields added are shared only for records referred from now on."
        ),
    )

    def __init__(
        self, *args: Any, project_id: object, current: dict[str, list[str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, partners=[], project_id=project_id, **kwargs)
        del self.fields["partner"]
        # A code retired since the agreement was signed stays on offer while it names it.
        framework = framework_for(str(project_id))
        for name, kind in (("types_allowed", Kind.TYPE), ("sectors_allowed", Kind.SECTOR)):
            offered = self.fields[name].choices  # type: ignore[attr-defined]
            known = {code for code, _label in offered}
            extra = [(c, framework.label(kind, c)) for c in current.get(name, []) if c not in known]
            self.fields[name].choices = [*offered, *extra]  # type: ignore[attr-defined]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Why is it revoked?"), max_length=300)


class ReferForm(forms.Form):
    from_status = forms.CharField(required=False, widget=forms.HiddenInput)
    agreement = forms.ChoiceField(label=_("Refer to"))
    note = forms.CharField(
        label=_("Note to the partner (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_confirmed = forms.BooleanField(
        label=_("The person agreed that their feedback is shared with this partner."),
        required=False,
    )

    def __init__(self, *args: Any, agreements: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = agreements  # type: ignore[attr-defined]


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference"), required=False, max_length=20)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *ReferralStatus.choices]
    )


class LogFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference"), required=False, max_length=20)
    kind = forms.ChoiceField(
        label=_("What happened"),
        required=False,
        choices=[("", _("Any")), *DisclosureKind.choices],
    )


class ReferralStatusForm(forms.Form):
    from_status = forms.CharField(required=False, widget=forms.HiddenInput)
    to_status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args: Any, status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (code, ReferralStatus(code).label) for code in PARTNER_MOVES.get(status, ())
        ]


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )
