from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "responsemap.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from responsemap.accounts import catalogue  # noqa: F401  (declares the fields)
