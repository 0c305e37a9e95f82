from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.analytics.reports.actions import NARRATIVE_MAX_LENGTH


class NarrativeForm(forms.Form):
    text = forms.CharField(
        label=_("Narrative"),
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
        help_text=_(
            "What the figures mean, what was done about them, what comes next. "
            "Printed on the report for donors and partners: name no person."
        ),
    )
