"""The status lookup's throttle: lookups per client and per project in one time window."""

from __future__ import annotations

from django.db import models


class StatusLookupThrottle(models.Model):
    """Status lookups counted in one time window, for one client or one whole project.

    Like ``PublicFormThrottle``: the client (network address, or the contact who texted)
    is never stored; ``key`` is an HMAC of what is counted and the window, so rows of two
    windows can't be linked, and rows of past windows are deleted as new ones open
    (``guard``). A table of its own, not the form's: its windows and limits differ, and
    the form's clean-up of past windows would reset these counts early.
    """

    key = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"status lookup throttle {self.key[:8]} ({self.count})"
