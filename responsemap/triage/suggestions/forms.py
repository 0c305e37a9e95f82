"""Changing a suggestion: the codes a person chooses instead."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.choices import Urgency
from responsemap.triage.coding.framework import Framework
from responsemap.triage.coding.models import Kind


class ChangeSuggestionForm(forms.Form):
    type_code = forms.ChoiceField(label=_("Type"))
    sector = forms.ChoiceField(label=_("Sector"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)

    def __init__(self, *args: Any, framework: Framework, current: dict[str, str], **kwargs: Any):
        kwargs.setdefault("initial", current)
        # Beside the record page's re-code form: its own names and ids.
        kwargs.setdefault("prefix", "suggestion")
        super().__init__(*args, **kwargs)
        self.fields["type_code"].choices = framework.choices(Kind.TYPE, current["type_code"])  # type: ignore[attr-defined]
        self.fields["sector"].choices = framework.choices(Kind.SECTOR, current["sector"])  # type: ignore[attr-defined]


class RetrainForm(forms.Form):
    """No fields: the button asks the worker to retrain the project's model."""
