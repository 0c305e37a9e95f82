"""The inbox's filter form: the record's filters (``triage.forms.InboxFilterForm``) and
those of issue 10's later parts, team and overdue."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from responsemap.accounts.models import Team
from responsemap.triage.choices import Status
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


# The inbox parameters a saved filter keeps (never a page).
SAVED_PARAMS = (*InboxForm.base_fields.keys(),)


def filter_query(params: QueryDict) -> str:
    """The inbox's filters and order from ``params``, URL-encoded; nothing else."""
    kept = QueryDict(mutable=True)
    for name in SAVED_PARAMS:
        values = [v for v in params.getlist(name) if v]
        if values:
            kept.setlist(name, values[:1])
    return kept.urlencode()


class BulkForm(forms.Form):
    """What to do with the records ticked in the inbox: a status to move them to, or a
    person to assign them to (or nobody)."""

    ACTIONS = [("status", _("Change status")), ("assign", _("Assign"))]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    to_status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *Status.choices], required=False
    )
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), required=False, coerce=int, empty_value=None
    )
    # The ticked records' ids (checkboxes in the inbox's rows, ``form="bulk"``).
    ids = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    # The inbox's filters, to go back to the same list.
    back = forms.CharField(required=False, widget=forms.HiddenInput)
    # Every record matching ``back``, on every page, instead of the ticked ones
    # (``select_all``); ``confirm``: the fingerprint of the records whose count the
    # person confirmed.
    everything = forms.BooleanField(required=False)
    confirm = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody (unassign)")), *members]  # type: ignore[attr-defined]

    def clean_ids(self) -> list[str]:
        found = []
        for value in self.cleaned_data.get("ids") or []:
            try:
                found.append(str(uuid.UUID(str(value))))
            except ValueError:
                continue
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "status" and not data.get("to_status"):
            self.add_error("to_status", _("Choose the new status."))
        return data


class SaveFilterForm(forms.Form):
    name = forms.CharField(
        label=_("Name these filters"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)
