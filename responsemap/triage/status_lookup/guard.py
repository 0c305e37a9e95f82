"""Rate limits of the status lookup: no way to enumerate reference codes.

Two counters, both in the database (so they hold across web processes and machines):
- per client: ``RESPONSEMAP_STATUS_RATE_LIMIT`` lookups (default 10) per
  ``RESPONSEMAP_STATUS_RATE_WINDOW_SECONDS`` (default 600), whatever the project; a web
  client counted by its network (the IPv4 address, the IPv6 /64: ``public_guard``), a
  texter by their contact;
- per project: ``RESPONSEMAP_STATUS_PROJECT_RATE_LIMIT`` lookups (default 600) per
  window, all clients and channels together: a cap on guesses spread over many
  addresses. Reaching it makes honest people wait too (accepted: the page says so).

Neither the address nor the contact is stored: a row's key is an HMAC (SECRET_KEY) of
what is counted and the window. The guessing odds at these limits are worked out in
docs/status-lookup.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from responsemap.lib import clock
from responsemap.protection.viewer import ProjectId
from responsemap.triage.public_guard import client_network
from responsemap.triage.status_lookup.models import StatusLookupThrottle

THROTTLE_SALT = "responsemap.triage.status_lookup.throttle"


def client_limit() -> int:
    return int(settings.RESPONSEMAP_STATUS_RATE_LIMIT)


def project_limit() -> int:
    return int(settings.RESPONSEMAP_STATUS_PROJECT_RATE_LIMIT)


def window_seconds() -> int:
    return int(settings.RESPONSEMAP_STATUS_RATE_WINDOW_SECONDS)


def web_client(address: str | None) -> str:
    return f"web|{client_network(address)}"


def sms_client(contact_id: object) -> str:
    return f"contact|{contact_id}"


def claim_lookup(project_id: ProjectId, client: str) -> bool:
    """Count one lookup for this client and this project; False if either limit is
    reached (then nothing is looked up). Race-safe: conditional UPDATEs and their row
    counts, in the caller's transaction or one of its own."""
    with transaction.atomic():
        return _claim(client, client_limit()) and _claim(f"project|{project_id}", project_limit())


def claim_request(counted: str, limit: int) -> bool:
    """Count one request of ``counted`` (a client, prefixed by what it asks for) in
    the current window; False past ``limit``. The same counter, for other public pages
    (the public figures: ``analytics.public``)."""
    with transaction.atomic():
        return _claim(counted, limit)


def _claim(counted: str, limit: int) -> bool:
    length = window_seconds()
    start_epoch = int(clock.now().timestamp()) // length * length
    key = salted_hmac(THROTTLE_SALT, f"{counted}|{start_epoch}", algorithm="sha256").hexdigest()
    rows = StatusLookupThrottle.objects.filter(key=key)
    if rows.filter(count__lt=limit).update(count=F("count") + 1):
        return True
    if limit < 1 or rows.exists():
        return False
    start = datetime.fromtimestamp(start_epoch, tz=UTC)
    try:
        with transaction.atomic():
            StatusLookupThrottle.objects.create(key=key, window_start=start, count=1)
    except IntegrityError:
        # Another lookup of the same client (or project) opened the window first.
        return bool(rows.filter(count__lt=limit).update(count=F("count") + 1))
    # A new window opened: the rows of windows that have passed go.
    StatusLookupThrottle.objects.filter(window_start__lt=start).delete()
    return True
