"""The forms of a manager's members, roles and teams screens (``members_views.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from responsemap.accounts.actions import TEAM_NAME_MAX

STATES = [("", _("Active members")), ("inactive", _("Former members")), ("all", _("Everyone"))]


class MembersFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("Show"), required=False, choices=STATES)

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        teams: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Any role")), *roles]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", _("Any team")), *teams]  # type: ignore[attr-defined]


class RoleChoiceForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles  # type: ignore[attr-defined]


class AddMemberForm(RoleChoiceForm):
    identifier = forms.CharField(
        label=_("User name or e-mail of an existing account"), max_length=254
    )
    field_order = ["identifier", "role"]


class InviteForm(RoleChoiceForm):
    username = forms.CharField(
        label=_("User name"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("The invitation to choose a password is sent there.")
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    field_order = ["username", "email", "first_name", "last_name", "role"]


class MemberTeamsForm(forms.Form):
    teams = forms.TypedMultipleChoiceField(
        label=_("Teams"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = teams  # type: ignore[attr-defined]


class TeamNameForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=TEAM_NAME_MAX)
