from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from responsemap.accounts.models import User
from responsemap.geo.models import AdminArea
from responsemap.intake.contacts.consent_answers import ConsentAnswers
from responsemap.intake.contacts.consent_forms import (
    PURPOSE_QUESTIONS,
    ConsentFields,
    yes_no_field,
)
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.intake.contacts.phones import InvalidPhone, normalise_phone
from responsemap.triage.actions import CallInfo
from responsemap.triage.choices import (
    AgeBand,
    Disability,
    Displacement,
    FeedbackType,
    Gender,
    Sector,
    Sensitivity,
    Source,
    Status,
    Urgency,
)
from responsemap.triage.coding.framework import offer_codes


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        return code


YES_NO = [("yes", _("Yes")), ("no", _("No"))]

# "yes" and "no" mean the caller was asked; the values predate the third choice.
CALL_CONSENT = [
    ("yes", _("Asked: the caller agreed")),
    ("no", _("Asked: the caller refused")),
    ("not_asked", _("Not asked (for example, the call dropped)")),
]
CONSENT_GIVEN = {"yes": True, "no": False, "not_asked": None}
LONGEST_CALL_SECONDS = 24 * 3600


def parse_duration(raw: str) -> int:
    """Seconds in "270", "4:30" or "1:04:30"; ValueError if it is none of these."""
    parts = raw.split(":")
    if len(parts) > 3 or not all(p.isdigit() and p.isascii() for p in parts):
        raise ValueError(raw)
    numbers = [int(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]):
        raise ValueError(raw)
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


def format_duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{rest:02}" if hours else f"{minutes}:{rest:02}"


class AreaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic only in the stubs
    def label_from_instance(self, obj: AdminArea) -> str:
        prefix = "— " * obj.level
        return f"{prefix}{obj.name} ({obj.pcode})"


class HotlineForm(ConsentFields):
    """A call, typed in as it happens: tab order follows the conversation. Consent as
    the guidance asks it (``ConsentFields``): the kind, the notice read out, and a yes or
    no for each purpose — being answered is the first question, ``consent``."""

    CODING_FIELDS = (
        "area",
        "type_code",
        "sector",
        "urgency",
        "gender",
        "age_band",
        "disability",
        "displacement",
    )

    consent = forms.ChoiceField(
        label=_("Did the caller agree that we record this call to follow it up?"),
        choices=CALL_CONSENT,
        widget=forms.RadioSelect,
    )
    follow_up_surveys = yes_no_field(PURPOSE_QUESTIONS[ConsentRecord.Purpose.FOLLOW_UP])
    share_with_partners = yes_no_field(PURPOSE_QUESTIONS[ConsentRecord.Purpose.SHARE])
    publish_aggregates = yes_no_field(PURPOSE_QUESTIONS[ConsentRecord.Purpose.PUBLISH])
    phone = forms.CharField(
        label=_("Caller's phone number"),
        required=False,
        max_length=32,
        help_text=_("Kept only if the caller agreed. Leave empty for an anonymous call."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    callback = forms.BooleanField(
        label=_("The caller asked to be called back"),
        required=False,
        help_text=_("Needs the caller's number and their agreement."),
    )
    language = forms.ChoiceField(label=_("Language of the call"), choices=())
    content = forms.CharField(
        label=_("What the caller said"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    area = AreaChoiceField(label=_("Area"), queryset=AdminArea.objects.none(), required=False)
    type_code = forms.ChoiceField(label=_("Type"), choices=FeedbackType.choices)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, initial="uncoded")
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="normal")
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial="unknown")
    age_band = forms.ChoiceField(label=_("Age group"), choices=AgeBand.choices, initial="unknown")
    disability = forms.ChoiceField(
        label=_("Disability"), choices=Disability.choices, initial="unknown"
    )
    displacement = forms.ChoiceField(
        label=_("Displacement"), choices=Displacement.choices, initial="unknown"
    )
    sensitive = forms.BooleanField(
        label=_("Protection concern: only the protection focal point may see it"),
        required=False,
        help_text=_(
            "Always on for the type “Protection concern” or the sector “Protection”, ticked or not."
        ),
    )
    duration = forms.CharField(
        label=_("Call duration"),
        required=False,
        max_length=12,
        help_text=_("Minutes:seconds (4:30) or seconds (270). Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "short"}),
    )

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        offer_codes(self, project.pk)  # type and sector: the project's active codes
        self.fields["area"].queryset = AdminArea.objects.filter(project=project).order_by(  # type: ignore[attr-defined]
            "parent__name", "level", "name"
        )
        languages = project.languages or ["en"]
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            (code, language_name(code)) for code in languages
        ]
        self.fields["language"].initial = languages[0]
        # The notices the operator may read out, one per language (shown with the form).
        self.notices = self.offer_notices(project)

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        try:
            return normalise_phone(raw, self.project.country)
        except InvalidPhone:
            raise forms.ValidationError(_("This is not a phone number we can read.")) from None

    def clean_duration(self) -> int | None:
        raw = self.cleaned_data.get("duration", "").strip()
        if not raw:
            return None
        try:
            seconds = parse_duration(raw)
        except ValueError:
            raise forms.ValidationError(
                _("Write the duration as minutes:seconds (4:30) or as seconds (270).")
            ) from None
        if seconds > LONGEST_CALL_SECONDS:
            raise forms.ValidationError(_("A call can't last more than a day."))
        return seconds

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("callback"):
            if "phone" in data and not data["phone"]:
                self.add_error("phone", _("A callback needs the caller's phone number."))
            if data.get("consent") in ("no", "not_asked"):
                self.add_error(
                    "consent", _("A callback needs the caller's agreement to keep their number.")
                )
        if data.get("consent") == "not_asked":
            data["phone"] = ""  # nobody asked, so nothing is kept
        elif data.get("consent") in ("yes", "no"):
            self.check_kind(self.call_consent())
        return data

    def call_consent(self) -> ConsentAnswers:
        """What the caller answered to each purpose (asked: ``consent`` is not "not_asked")."""
        data = self.cleaned_data
        said = {ConsentRecord.Purpose.RESPOND.value: data.get("consent") == "yes"}
        for purpose in PURPOSE_QUESTIONS:
            said[purpose.value] = data.get(purpose.value) == "yes"
        return self.consent_answers(said)

    @property
    def purpose_fields(self) -> list[BoundField]:
        return [self[purpose.value] for purpose in PURPOSE_QUESTIONS]

    @property
    def coding_fields(self) -> list[BoundField]:
        return [self[name] for name in self.CODING_FIELDS]

    @property
    def consent_given(self) -> bool | None:
        return CONSENT_GIVEN[self.cleaned_data["consent"]]

    def call_info(self) -> CallInfo:
        data = self.cleaned_data
        return CallInfo(
            consent_asked=data["consent"] != "not_asked",
            consent_answer=self.consent_given,
            duration_seconds=data["duration"],
            callback_requested=data["callback"],
        )


class InboxFilterForm(forms.Form):
    words = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=200,
        help_text=_("Messages with every one of these words (in the copy without names)."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    q = forms.CharField(label=_("Reference"), required=False, max_length=12)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + Status.choices, required=False
    )
    type_code = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Any"))] + FeedbackType.choices, required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("Any"))] + Urgency.choices, required=False
    )
    source = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any"))] + Source.choices, required=False
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("Any"))] + Sector.choices, required=False
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=AdminArea.objects.none(), required=False
    )
    # Offered only to a viewer who may see protection-sensitive records (``__init__``).
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"), choices=[("", _("Any"))] + Sensitivity.choices, required=False
    )
    # Choices: the project's active members, by name (``__init__``).
    assignee = forms.TypedChoiceField(label=_("Assigned to"), required=False, coerce=int)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    sort = forms.ChoiceField(
        label=_("Order"),
        choices=[
            ("", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("urgency", _("Most urgent first")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, project: Any, can_see_sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = AdminArea.objects.filter(project=project)  # type: ignore[attr-defined]
        offer_codes(self, project.pk, any_label=_("Any"))  # every code, retired ones too
        if not can_see_sensitive:
            # No sensitive record is in this viewer's rows: the filter would only say
            # that such records exist.
            del self.fields["sensitivity"]
        members = (
            User.objects.filter(memberships__project=project, memberships__is_active=True)
            .order_by("first_name", "last_name", "username")
            .values_list("pk", "first_name", "last_name", "username")
        )
        self.fields["assignee"].choices = [("", _("Anyone"))] + [  # type: ignore[attr-defined]
            (pk, f"{first} {last}".strip() or username) for pk, first, last, username in members
        ]


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("content", _("Message"))], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why do you need to see this?"),
        min_length=5,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Your password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
