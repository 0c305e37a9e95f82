"""The public web form: what a community member fills in, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.geo.models import AdminArea
from responsemap.geo.queries import areas_of
from responsemap.intake.contacts.consent_answers import ConsentAnswers, answers_from
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.intake.contacts.phones import InvalidPhone, normalise_phone
from responsemap.projects.models import Project


def area_choices(areas: list[AdminArea], language: str) -> tuple[list[Any], dict[str, AdminArea]]:
    """Areas for a select: top-level ones first, then one group per parent area (named
    with its whole path), in the page's language. Names only: P-codes mean nothing to
    most people."""
    by_id = {area.pk: area for area in areas}

    def path(area: AdminArea) -> str:
        names, seen = [], set()
        node: AdminArea | None = area
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.label(language))
            node = by_id.get(node.parent_id) if node.parent_id else None
        return " › ".join(reversed(names))

    top: list[tuple[str, str]] = []
    groups: dict[int, list[tuple[str, str]]] = {}
    for area in areas:
        option = (str(area.pk), area.label(language))
        if area.parent_id in by_id:
            groups.setdefault(area.parent_id, []).append(option)
        else:
            top.append(option)
    choices: list[Any] = sorted(top, key=lambda o: o[1].casefold())
    for parent_id in sorted(groups, key=lambda pk: path(by_id[pk]).casefold()):
        options = sorted(groups[parent_id], key=lambda o: o[1].casefold())
        choices.append((path(by_id[parent_id]), options))
    return choices, {str(area.pk): area for area in areas}


Purpose = ConsentRecord.Purpose
# Purposes besides being answered that need the person's number kept.
PHONE_PURPOSES = (Purpose.FOLLOW_UP.value, Purpose.SHARE.value)


class PublicFeedbackForm(forms.Form):
    """Message first; where and how to answer are optional."""

    content = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        help_text=_("Please don't write other people's names or details."),
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    area = forms.ChoiceField(label=_("Where are you? (optional)"), required=False, choices=())
    phone = forms.CharField(
        label=_("Your phone number (optional)"),
        required=False,
        max_length=32,
        help_text=_(
            "Only if you want an answer. We keep it only if you tick a box below that needs it."
        ),
        widget=forms.TextInput(
            # Phone numbers read left to right, on right-to-left pages too.
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}
        ),
    )
    # Consent, one box per purpose, none ticked until the person ticks it; the first is
    # "being answered" (``respond``).
    keep_contact = forms.BooleanField(
        label=_("Keep my phone number so the team can answer me."),
        required=False,
    )
    follow_up_surveys = forms.BooleanField(
        label=_("You may contact me later with a short survey about how it went."),
        required=False,
    )
    share_with_partners = forms.BooleanField(
        label=_("You may pass my message to a partner organisation that can help me."),
        required=False,
    )
    publish_aggregates = forms.BooleanField(
        label=_("My message may be counted in published figures (never my name or words)."),
        required=False,
    )

    def __init__(self, *args: Any, project: Project, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        choices, self._areas = area_choices(list(areas_of(project.pk)), language)
        self.fields["area"].choices = [("", _("I'd rather not say")), *choices]  # type: ignore[attr-defined]

    def clean_area(self) -> AdminArea | None:
        return self._areas.get(self.cleaned_data.get("area") or "")

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        try:
            return normalise_phone(raw, self.project.country)
        except InvalidPhone:
            raise forms.ValidationError(
                _("We can't read this phone number. Check it, or leave it empty.")
            ) from None

    @property
    def needs_phone(self) -> bool:
        """A box is ticked for a purpose that needs the number: being answered, a
        survey, a referral."""
        data = self.cleaned_data
        return any(data[name] for name in ("keep_contact", *PHONE_PURPOSES))

    @property
    def kept_phone(self) -> str:
        """The number to keep: only with a box ticked that needs it."""
        return self.cleaned_data["phone"] if self.needs_phone else ""

    @property
    def phone_dropped(self) -> bool:
        """A number was given but no box that needs it was ticked, so it is not kept."""
        return bool(self.cleaned_data["phone"]) and not self.needs_phone

    def consent_answers(self, notice_version: str) -> ConsentAnswers:
        """A yes or no per purpose (an unticked box is a no), from the web notice."""
        data = self.cleaned_data
        said = {Purpose.RESPOND.value: bool(data["keep_contact"])}
        for purpose in (Purpose.FOLLOW_UP, Purpose.SHARE, Purpose.PUBLISH):
            said[purpose.value] = bool(data[purpose.value])
        return answers_from(ConsentRecord.Method.WEB_NOTICE, said, notice_version)

    @property
    def purpose_fields(self) -> list[Any]:
        return [self[name] for name in (*PHONE_PURPOSES, Purpose.PUBLISH.value)]
