"""Bot resistance for the public web form, without third-party services.

Design:
- A honeypot field, hidden with CSS and from assistive technology; a person leaves it
  empty, a form-filling bot usually does not.
- A signed stamp (``django.core.signing``) of when the form was served and for which
  project. A submission sooner than ``RESPONSEMAP_FORM_MIN_SECONDS`` (default 3) is
  refused as a bot; one later than ``RESPONSEMAP_FORM_MAX_SECONDS`` (default 2 hours)
  is sent back to the person to send again with a fresh stamp.
- A per-address limit: ``RESPONSEMAP_FORM_RATE_LIMIT`` stored messages (default 5) per
  ``RESPONSEMAP_FORM_RATE_WINDOW_SECONDS`` (default 600) per client address, counted in
  the database so it holds across web processes and machines with no shared cache.
  The address is never stored: the row key is an HMAC (keyed with SECRET_KEY) of the
  address and the window, so rows can't be linked across windows, and rows of past
  windows are deleted as new windows open. IPv6 addresses count per /64, the block one
  subscriber usually gets. Windows are fixed, so a burst across a window boundary may
  reach twice the limit; that is accepted for simplicity.

Many people can share one address (carrier-grade NAT on mobile networks, a shared
phone at a distribution point): keep the limit generous, and raise it per deployment
if honest senders hit it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from responsemap.lib import clock
from responsemap.protection.viewer import ProjectId
from responsemap.triage.models import PublicFormThrottle

HONEYPOT_FIELD = "website"
STAMP_FIELD = "stamp"
STAMP_SALT = "responsemap.triage.public_form.stamp"
THROTTLE_SALT = "responsemap.triage.public_form.throttle"


def min_seconds() -> float:
    return float(settings.RESPONSEMAP_FORM_MIN_SECONDS)


def max_seconds() -> float:
    return float(settings.RESPONSEMAP_FORM_MAX_SECONDS)


def rate_limit() -> int:
    return int(settings.RESPONSEMAP_FORM_RATE_LIMIT)


def rate_window_seconds() -> int:
    return int(settings.RESPONSEMAP_FORM_RATE_WINDOW_SECONDS)


class Verdict(Enum):
    OK = "ok"
    HONEYPOT = "honeypot"
    NO_STAMP = "no_stamp"  # missing, forged or for another project
    TOO_FAST = "too_fast"
    EXPIRED = "expired"

    @property
    def is_bot(self) -> bool:
        return self in (Verdict.HONEYPOT, Verdict.NO_STAMP, Verdict.TOO_FAST)


def issue_form_stamp(
    project_id: ProjectId, issued_at: datetime | None = None, notice: str = ""
) -> str:
    """The signed stamp a form carries: this project, served at this moment, showing this
    consent notice (its label), so the consent record names what the person read even
    if a new version is published while they write."""
    moment = issued_at or clock.now()
    return signing.dumps(
        {"p": str(project_id), "t": round(moment.timestamp() * 1000), "n": notice},
        salt=STAMP_SALT,
    )


def stamped_notice(posted: Mapping[str, str]) -> str:
    """The notice label in a stamp that ``check_submission`` accepted."""
    try:
        return str(signing.loads(posted.get(STAMP_FIELD, ""), salt=STAMP_SALT).get("n", ""))
    except (signing.BadSignature, AttributeError):
        return ""


def check_submission(project_id: ProjectId, posted: Mapping[str, str]) -> Verdict:
    """How a posted form looks: a person's, a bot's, or a person's that waited too long."""
    if posted.get(HONEYPOT_FIELD, "").strip():
        return Verdict.HONEYPOT
    try:
        stamp = signing.loads(posted.get(STAMP_FIELD, ""), salt=STAMP_SALT)
        issued_ms = int(stamp["t"])
        if stamp["p"] != str(project_id):
            return Verdict.NO_STAMP
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Verdict.NO_STAMP
    age = clock.now().timestamp() - issued_ms / 1000
    if age < min_seconds():
        return Verdict.TOO_FAST
    if age > max_seconds():
        return Verdict.EXPIRED
    return Verdict.OK


def client_network(address: str | None) -> str:
    """The unit the limit counts: the IPv4 address, or the IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 6:
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class _Window:
    start: datetime
    key: str


def _window_for(address: str | None, now: datetime) -> _Window:
    length = rate_window_seconds()
    start_epoch = int(now.timestamp()) // length * length
    key = salted_hmac(
        THROTTLE_SALT, f"{client_network(address)}|{start_epoch}", algorithm="sha256"
    ).hexdigest()
    return _Window(start=datetime.fromtimestamp(start_epoch, tz=UTC), key=key)


def claim_submission_slot(address: str | None) -> bool:
    """Count one stored message for this address; False if its limit is reached.

    Call it in the transaction that stores the message, so a failed store gives the
    slot back. Race-safe: a conditional UPDATE and its row count, never read-then-write.
    """
    window = _window_for(address, clock.now())
    limit = rate_limit()
    rows = PublicFormThrottle.objects.filter(client_key=window.key)
    with transaction.atomic():
        if rows.filter(count__lt=limit).update(count=F("count") + 1):
            return True
        if rows.exists() or limit < 1:
            return False
        try:
            with transaction.atomic():
                PublicFormThrottle.objects.create(
                    client_key=window.key, window_start=window.start, count=1
                )
        except IntegrityError:
            # Another request from the same address opened the window first.
            return bool(rows.filter(count__lt=limit).update(count=F("count") + 1))
        # A new window opened: the rows of windows that have passed go.
        PublicFormThrottle.objects.filter(window_start__lt=window.start).delete()
    return True
