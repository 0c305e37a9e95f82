"""``migrate``, as the tables' owner, then the application's role granted what it needs.

On PostgreSQL the application runs as a role that does not own the tables (docs/deploy.md,
"Database roles"). When ``DATABASE_OWNER_URL`` (or ``DATABASE_OWNER_URL_FILE``) is set,
this command connects with the owner's credentials instead of ``DATABASE_URL``'s, for
this command only: the owner's password never becomes a setting the running application
holds. After migrating it grants the application's role (``DATABASE_APP_ROLE``: the
user of ``DATABASE_URL`` when an owner URL is set) its privileges again, so a table a
migration just added gets them too (``protection.dbroles``).
"""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from responsemap.lib.env import env_secret
from responsemap.protection.dbroles import apply_grants

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


class Command(migrate.Command):
    help = migrate.Command.help + (
        " On PostgreSQL, as the owner given by DATABASE_OWNER_URL when set, then grants "
        "the application's role its privileges."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        connection = connections[alias]
        owner_url = env_secret("DATABASE_OWNER_URL") if alias == DEFAULT_DB_ALIAS else None
        saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
        if owner_url:
            owner = dj_database_url.parse(owner_url)
            if (
                owner["ENGINE"] != connection.settings_dict["ENGINE"]
                or owner["NAME"] != (settings.DATABASES[alias]["NAME"])
            ):
                raise CommandError(
                    "DATABASE_OWNER_URL must name the same PostgreSQL database as DATABASE_URL"
                )
            connection.close()
            connection.settings_dict.update({key: owner.get(key) for key in CREDENTIALS})
        try:
            super().handle(*args, **options)
            granted = apply_grants(connection, settings.DATABASE_APP_ROLE)
            if granted and options["verbosity"] >= 1:
                self.stdout.write(
                    f"Granted the application's role {settings.DATABASE_APP_ROLE!r} "
                    f"its privileges ({len(granted)} statements)."
                )
        finally:
            if owner_url:
                connection.close()
                connection.settings_dict.update(saved)
