from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class TeamAssignForm(forms.Form):
    team = forms.TypedChoiceField(
        label=_("Assign to a team"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("No team")), *teams]  # type: ignore[attr-defined]
