"""Loading a staff phone: a person reaches only their own (the one row rule here)."""

from __future__ import annotations

from responsemap.accounts.models import StaffPhone, User


def own_phone(user: User) -> StaffPhone | None:
    """The signed-in person's phone for alerts, if they recorded one."""
    return StaffPhone.objects.filter(user=user).first()
