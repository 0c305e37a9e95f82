"""Re-authentication before a reveal: the password, typed within the last 10 minutes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest

from responsemap.lib import clock

SESSION_KEY = "responsemap_reauth_at"
FAILURES_KEY = "responsemap_reauth_failures"
MAX_FAILURES = 5


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_KEY)
    if at is None:
        return False
    return clock.timestamp() - float(at) < settings.RESPONSEMAP_REAUTH_SECONDS


def check_password(request: HttpRequest, password: str) -> bool:
    """Check the password; after too many failures the session ends."""
    if password and request.user.check_password(password):
        request.session[SESSION_KEY] = clock.timestamp()
        request.session[FAILURES_KEY] = 0
        return True
    failures = int(request.session.get(FAILURES_KEY, 0)) + 1
    request.session[FAILURES_KEY] = failures
    if failures >= MAX_FAILURES:
        logout(request)
    return False
