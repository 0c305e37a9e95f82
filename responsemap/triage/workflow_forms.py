"""The forms of the record page's "Work on this record" card (status, assignee, note)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.actions import NOTE_MAX_LENGTH
from responsemap.triage.choices import Status
from responsemap.triage.workflow import move_choices


class StatusForm(forms.Form):
    # The status the page showed: the move is refused if the record left it meanwhile.
    from_status = forms.ChoiceField(choices=Status.choices, required=False)
    to_status = forms.ChoiceField(label=_("New status"))
    why = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)

    def __init__(self, *args: Any, status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = move_choices(status)  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody")), *members]  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
