from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff accounts are created by a manager or an administrator, never by sign-up.
        return bool(getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", False))
