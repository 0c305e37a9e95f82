"""The record page's consent form: one purpose, agreed to or refused/withdrawn, how it
was said, and what that kind needs (``intake.contacts.consent_forms.ConsentFields``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.intake.contacts.consent_answers import ConsentAnswers
from responsemap.intake.contacts.consent_forms import ConsentFields
from responsemap.intake.contacts.models import ConsentRecord
from responsemap.projects.models import Project

ANSWERS = [
    ("agree", _("They agree")),
    ("withdraw", _("They refuse, or withdraw their consent")),
]


class PurposeConsentForm(ConsentFields):
    purpose = forms.ChoiceField(label=_("For what"), choices=ConsentRecord.Purpose.choices)
    answer = forms.ChoiceField(label=_("Their answer"), choices=ANSWERS, widget=forms.RadioSelect)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notices = self.offer_notices(project)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") and data.get("answer"):
            self.check_kind(self.purpose_answer())
        return data

    def purpose_answer(self) -> ConsentAnswers:
        data = self.cleaned_data
        return self.consent_answers({data["purpose"]: data["answer"] == "agree"})
