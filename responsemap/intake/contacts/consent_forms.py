"""The consent part of the forms that ask a person for it: the hotline form and the
record page's consent card (the web form has its own boxes, ``triage.public_forms``).

``ConsentFields`` holds the kind (written, recorded, verbal with a witness, a child's
assent with a guardian's consent), what the kind needs, and the notice read to the
person; ``consent_answers.ConsentAnswers`` is what they make.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from responsemap.intake.contacts.consent_answers import (
    ASKED_KINDS,
    ConsentAnswers,
    answers_from,
    detail_missing_message,
)
from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord
from responsemap.intake.contacts.queries import consent_notices_of, current_consent_notice
from responsemap.projects.models import Project

Purpose = ConsentRecord.Purpose
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# Each purpose as the operator asks it (the hotline's "respond" is its first question).
PURPOSE_QUESTIONS = {
    Purpose.FOLLOW_UP: _("Follow-up surveys: may we contact them later to ask how it went?"),
    Purpose.SHARE: _("Referral: may we pass their case to a partner organisation that can help?"),
    Purpose.PUBLISH: _(
        "Published figures: may their feedback be counted in published totals "
        "(never their name or words)?"
    ),
}
DETAIL_MAX_LENGTH = 200


def notice_words(label: str) -> str:
    """A notice's version in words ("English, version 2"), from its label ("en-v2")."""
    language, _sep, version = label.rpartition("-v")
    if not language or not version.isdigit():
        return label
    try:
        name = str(get_language_info(language)["name_local"])
    except KeyError:
        name = language
    return gettext_now("%(language)s, version %(version)s") % {
        "language": name,
        "version": version,
    }


def notices_to_read(project: Project) -> list[ConsentNotice]:
    """The notice in each of the project's languages (its latest version; a language
    without one falls back as ``current_consent_notice`` does), each once."""
    found: dict[int, ConsentNotice] = {}
    for code in project.languages or [project.default_language]:
        notice = current_consent_notice(project, code)
        if notice is not None:
            found.setdefault(notice.pk, notice)
    return list(found.values())


class NoticeField(forms.ChoiceField):
    """One of the notices offered; any published version of the project's is accepted, so
    a version published while the person was being read the earlier one is no error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known: set[str] = set()

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.known or super().valid_value(value)


class ConsentFields(forms.Form):
    """How consent was given, what that kind needs, and which notice was read."""

    consent_kind = forms.ChoiceField(
        label=_("How was consent given?"),
        choices=ASKED_KINDS,
        initial=ConsentRecord.Method.VERBAL,
        required=False,
        widget=forms.RadioSelect,
    )
    witness_name = forms.CharField(
        label=_("Witness: the staff member who heard them agree"),
        required=False,
        max_length=DETAIL_MAX_LENGTH,
        help_text=_("Needed for verbal consent. Kept sealed."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    audio_reference = forms.CharField(
        label=_("Where the recording is kept"),
        required=False,
        max_length=DETAIL_MAX_LENGTH,
        help_text=_("Needed for recorded consent (a file name or a device). Kept sealed."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    guardian_name = forms.CharField(
        label=_("Parent or guardian who consented"),
        required=False,
        max_length=DETAIL_MAX_LENGTH,
        help_text=_("Needed for a child's assent. Kept sealed."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    notice_version = NoticeField(
        label=_("Notice read to them"), required=False, widget=forms.RadioSelect
    )

    def offer_notices(self, project: Project) -> list[ConsentNotice]:
        """Offer the notices to read (the first is preselected); returns them."""
        notices = notices_to_read(project)
        field = self.fields["notice_version"]
        assert isinstance(field, NoticeField)
        field.choices = [(notice.label, notice_words(notice.label)) for notice in notices]
        field.known = {notice.label for notice in consent_notices_of(project.pk)}
        if notices:
            field.initial = notices[0].label
        return notices

    def consent_answers(self, said: dict[str, bool]) -> ConsentAnswers:
        data = self.cleaned_data
        return answers_from(
            data.get("consent_kind") or ConsentRecord.Method.VERBAL,
            said,
            notice_version=data.get("notice_version") or "",
            witness_name=data.get("witness_name", ""),
            audio_reference=data.get("audio_reference", ""),
            guardian_name=data.get("guardian_name", ""),
        )

    def check_kind(self, answers: ConsentAnswers) -> None:
        """A form error on the field the kind needs, if it is empty."""
        missing = answers.missing_detail()
        if missing:
            self.add_error(missing, detail_missing_message(missing))


def yes_no_field(label: Any) -> forms.ChoiceField:
    """A purpose's yes or no, "no" until the person says yes."""
    return forms.ChoiceField(
        label=label, choices=YES_NO, initial="no", required=False, widget=forms.RadioSelect
    )
