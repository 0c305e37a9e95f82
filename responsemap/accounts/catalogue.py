"""What a screen may show of members, staff accounts and teams: only managers (permission
``manage_project``) see who is in a project and how to reach them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from responsemap.accounts.models import Membership, Team, User
from responsemap.protection.catalogue import Classification, FieldPolicy, declare

C = Classification
MANAGE = "manage_project"
declare(
    Membership,
    [
        FieldPolicy("user", _("Member"), C.INTERNAL, MANAGE),
        FieldPolicy("role", _("Role"), C.INTERNAL, MANAGE),
        FieldPolicy("is_active", _("Active"), C.INTERNAL, MANAGE),
        FieldPolicy("created_at", _("Member since"), C.INTERNAL, MANAGE),
    ],
)
declare(
    User,
    [
        FieldPolicy("username", _("User name"), C.INTERNAL, MANAGE),
        FieldPolicy("first_name", _("First name"), C.CONFIDENTIAL, MANAGE),
        FieldPolicy("last_name", _("Last name"), C.CONFIDENTIAL, MANAGE),
        FieldPolicy("email", _("E-mail"), C.CONFIDENTIAL, MANAGE),
        FieldPolicy("is_active", _("Account active"), C.INTERNAL, MANAGE),
        FieldPolicy("last_login", _("Last signed in"), C.INTERNAL, MANAGE),
    ],
)
declare(
    Team,
    [
        # Whoever may load a record sees the team it is assigned to (like the assignee).
        FieldPolicy("name", _("Team"), C.INTERNAL),
        FieldPolicy("created_at", _("Created"), C.INTERNAL, MANAGE),
    ],
)
