from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "responsemap.accounts"
    label = "accounts"
    verbose_name = "Accounts"
