"""The inbox's filter form: the record's filters (``triage.forms.InboxFilterForm``) and
those of issue 10's later parts, team and overdue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.accounts.models import Team
from responsemap.triage.forms import InboxFilterForm


class InboxForm(InboxFilterForm):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    field_order = [
        "words", "q", "status", "type_code", "urgency", "source", "sector", "area",
        "sensitivity", "assignee", "team", "overdue", "since", "until", "sort",
    ]  # fmt: skip

    def __init__(self, *args: Any, project: Any, can_see_sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, project=project, can_see_sensitive=can_see_sensitive, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(project=project)  # type: ignore[attr-defined]
