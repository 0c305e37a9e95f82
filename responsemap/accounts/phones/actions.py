"""A staff member's phone for SMS alerts: recorded, proved by a code texted to it,
removed. Each change is one transaction with its audit event in the system chain (a
person's phone belongs to no project); the number itself is never in an event, a log
or a page (sealed: ``protection.staff_data``; shown masked).

The code: six random digits, kept as a keyed HMAC, valid ``CODE_MINUTES``; at most
``MAX_TRIES`` wrong answers per code, a new code at most every ``RESEND_SECONDS`` and
``MAX_CODES`` per number (a new number starts again), so the page can't be used to
text someone over and over.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from responsemap.accounts.models import StaffPhone, User
from responsemap.accounts.phones.forms import masked
from responsemap.accounts.phones.hooks import send_code
from responsemap.lib import clock
from responsemap.protection.audit import record_event
from responsemap.protection.models import AuditEvent
from responsemap.protection.staff_data import (
    code_digest,
    code_matches,
    new_code,
    open_staff_value,
    seal_staff_value,
)
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer

KIND = "staffphone.number"
CODE_MINUTES = 10
MAX_TRIES = 5
RESEND_SECONDS = 60
MAX_CODES = 5
DAILY_CODES = 10  # per person, whatever their numbers (counted from the system chain)


class CodeSent(enum.Enum):
    SENT = "sent"
    TOO_SOON = "too_soon"
    TOO_MANY = "too_many"
    DAY_LIMIT = "day_limit"  # DAILY_CODES sent in the last day, across numbers
    NO_WAY = "no_way"  # no project of theirs texts alerts, or the gateway refused


def _self(user: User) -> Viewer:
    """The person acting on their own account (no project, no permission)."""
    return Viewer(
        user_id=user.pk, label=user.get_username(), role="", project_id="", permissions=frozenset()
    )


def _event(action: str, user: User, fields: list[str] | None = None, purpose: str = "") -> None:
    record_event(
        action,
        project_id=None,
        actor=_self(user),
        object_type="user",
        object_id=user.pk,
        fields=fields or [],
        purpose=purpose,
    )


def do_set_staff_phone(user: User, number: str, language: str) -> CodeSent:
    """Record ``number`` (E.164, checked by ``PhoneForm``) as the person's phone for
    alerts, unverified, and text it a code. A number already there is replaced."""
    now = clock.now()
    with transaction.atomic():
        phone = StaffPhone.objects.select_for_update().filter(user=user).first() or StaffPhone(
            user=user
        )
        phone.number = seal_staff_value(KIND, user.pk, number)
        phone.masked = masked(number)
        phone.language = language
        phone.verified_at = None
        # code_sent_at is kept: recording the number again does not lift the minute.
        phone.code_digest, phone.code_tries, phone.codes_sent = "", 0, 0
        phone.updated_at = now
        phone.save()
        _event("staff_phone.set", user, ["number", "language"])
    return _send_a_code(user, number)


def do_send_staff_phone_code(user: User) -> CodeSent:
    """Text the person's unverified number a new code (the "send a new code" button)."""
    phone = StaffPhone.objects.filter(user=user, verified_at__isnull=True).first()
    if phone is None:
        return CodeSent.NO_WAY
    number = open_staff_value(
        KIND, user.pk, bytes(phone.number), purpose=SystemPurpose.ADDRESS_OUTBOUND
    )
    return _send_a_code(user, number)


def _send_a_code(user: User, number: str) -> CodeSent:
    """A new code, stored (its HMAC) before it is sent, then texted, outside the
    transaction; if no sender could send it, it is dropped again."""
    now = clock.now()
    code = new_code()
    with transaction.atomic():
        phone = StaffPhone.objects.select_for_update().get(user=user)
        if phone.codes_sent >= MAX_CODES:
            return CodeSent.TOO_MANY
        if phone.code_sent_at and now - phone.code_sent_at < timedelta(seconds=RESEND_SECONDS):
            return CodeSent.TOO_SOON
        # The person's codes of the last day, whatever the number (a removed row or a
        # number recorded again starts its own counts afresh, the system chain does not).
        recent = list(
            AuditEvent.objects.filter(
                object_type="user",
                object_id=str(user.pk),
                action="staff_phone.code_send",
                created_at__gt=now - timedelta(days=1),
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:DAILY_CODES]
        )
        if recent and now - recent[0] < timedelta(seconds=RESEND_SECONDS):
            return CodeSent.TOO_SOON
        if len(recent) >= DAILY_CODES:
            return CodeSent.DAY_LIMIT
        phone.code_digest = code_digest(KIND, user.pk, code)
        phone.code_sent_at, phone.code_tries = now, 0
        phone.codes_sent += 1
        phone.save(update_fields=["code_digest", "code_sent_at", "code_tries", "codes_sent"])
    with translation.override(phone.language):
        text = gettext(
            "Community Response Map: your code to confirm this phone for alerts is %(code)s. "
            "It expires in %(minutes)s minutes."
        ) % {"code": code, "minutes": CODE_MINUTES}
    if send_code(user.pk, number, text):
        with transaction.atomic():
            _event("staff_phone.code_send", user)
        return CodeSent.SENT
    with transaction.atomic():
        # Nothing went out: the code can't be typed back, and the next try is not "too soon".
        StaffPhone.objects.filter(user=user, code_sent_at=now).update(
            code_digest="", code_sent_at=None, codes_sent=phone.codes_sent - 1
        )
    return CodeSent.NO_WAY


def do_confirm_staff_phone(user: User, code: str) -> bool:
    """The person typed back the code: the number is verified (``staff_phone.verify``).
    A wrong, expired or exhausted code changes nothing but the tries left."""
    now = clock.now()
    with transaction.atomic():
        phone = StaffPhone.objects.select_for_update().filter(user=user).first()
        if phone is None or not phone.code_digest or phone.code_sent_at is None:
            return False
        if now - phone.code_sent_at > timedelta(minutes=CODE_MINUTES):
            return False
        if phone.code_tries >= MAX_TRIES:
            return False
        if not code_matches(KIND, user.pk, code, phone.code_digest):
            phone.code_tries += 1
            phone.save(update_fields=["code_tries"])
            if phone.code_tries >= MAX_TRIES:
                _event("staff_phone.verify_refused", user)
            return False
        phone.verified_at = now
        phone.code_digest, phone.code_tries = "", 0
        phone.updated_at = now
        phone.save(update_fields=["verified_at", "code_digest", "code_tries", "updated_at"])
        _event("staff_phone.verify", user)
    return True


def do_remove_staff_phone(user: User) -> bool:
    """Forget the person's phone: no SMS alert goes to it any more."""
    with transaction.atomic():
        deleted, _rows = StaffPhone.objects.filter(user=user).delete()
        if deleted:
            _event("staff_phone.remove", user, ["number"])
    return bool(deleted)
