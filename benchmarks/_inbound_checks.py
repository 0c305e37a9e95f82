"""What bench_inbound checks after the acknowledged-throughput run (import after setup).

- No loss, no duplicate: every id answered "stored" has exactly one row; rows without an
  answer are requests in flight when wrk stopped (at most one a connection).
- Each message sealed, its sender normalised and blind-indexed, its receipt audited, a
  consent notice due for each new number.
- Replaying a sample of acknowledged requests creates nothing.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from benchmarks._inbound_data import Answers, RequestSet


def _counts() -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    from responsemap.intake.contacts.models import Contact
    from responsemap.intake.messages.models import InboundMessage, OutboundMessage
    from responsemap.protection.models import AuditEvent

    return {
        "inbound": InboundMessage.objects.count(),
        "contacts": Contact.objects.count(),
        "outbound": OutboundMessage.objects.count(),
        "audit": AuditEvent.objects.count(),
        "tasks": DBTaskResult.objects.count(),
    }


def settle(timeout: float = 30) -> None:
    """Wait until no message has been stored for a second (the server's backlog is done)."""
    from responsemap.intake.messages.models import InboundMessage

    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        count = InboundMessage.objects.count()
        if count == last:
            return
        last = count
        time.sleep(1)


def check_delivery(channel: Any, prefix: str, answers: Answers, connections: int) -> dict[str, Any]:
    from responsemap.intake.messages.models import InboundMessage

    rows = InboundMessage.objects.filter(channel=channel, provider_message_id__startswith=prefix)
    stored = list(rows.values_list("provider_message_id", flat=True))
    stored_set = set(stored)
    acked = answers.distinct_stored
    lost = acked - stored_set
    unanswered = stored_set - acked
    result = {
        "acknowledged_stored": len(acked),
        "rows": len(stored),
        "duplicate_rows": len(stored) - len(stored_set),
        "acknowledged_twice": len(answers.stored) - len(acked),
        "lost": len(lost),
        "stored_in_flight_unanswered": len(unanswered),
        "replays_answered": answers.replayed,
        "refused": dict(answers.refused),
    }
    result["ok"] = (
        not lost
        and result["duplicate_rows"] == 0
        and result["acknowledged_twice"] == 0
        and len(unanswered) <= connections
        and not answers.refused
    )
    return result


def check_protection(
    channel: Any, requests: RequestSet, known_contacts: int, sample: int = 100
) -> dict[str, Any]:
    """Sealing, phone normalisation and blind index, audit and consent, on a sample."""
    from responsemap.intake.contacts.models import Contact
    from responsemap.intake.contacts.phones import normalise_phone, phone_index
    from responsemap.intake.messages.models import InboundMessage, OutboundMessage
    from responsemap.protection.audit import verify_pending
    from responsemap.protection.models import AuditEvent, AuditPending
    from responsemap.protection.present import open_for_system

    problems: list[str] = []
    ids = list(requests.bodies)
    rng = random.Random(7)
    chosen = rng.sample(ids, min(sample, len(ids)))
    messages = InboundMessage.objects.filter(channel=channel, provider_message_id__in=chosen)
    for message in messages.select_related("contact"):
        item = json.loads(requests.bodies[message.provider_message_id][1])["messages"][0]
        raw = InboundMessage.objects.filter(pk=message.pk).values_list("text", flat=True)[0]
        if item["text"].encode() in bytes(raw):
            problems.append(f"{message.provider_message_id}: text stored in clear")
        if open_for_system(message, "text", purpose="test") != item["text"]:
            problems.append(f"{message.provider_message_id}: text does not open to what was sent")
        e164 = normalise_phone(item["from"], channel.project.country)
        contact = message.contact
        if contact is None:
            problems.append(f"{message.provider_message_id}: no contact")
            continue
        if open_for_system(contact, "phone", purpose="test") != e164:
            problems.append(f"{message.provider_message_id}: contact phone is not {e164}")
        if contact.phone_index != phone_index(channel.project_id, e164):
            problems.append(f"{message.provider_message_id}: contact blind index differs")
    total = InboundMessage.objects.count()
    # A receipt event is in its chain, or pending (sealed) until the worker chains it.
    audited = AuditEvent.objects.filter(action="message.receive").count()
    audited += AuditPending.objects.filter(action="message.receive").count()
    if audited != total:
        problems.append(f"{audited} receipt audit events for {total} messages")
    problems += verify_pending(max_age_seconds=3600)
    new_contacts = Contact.objects.count() - known_contacts
    # No worker runs in this part: a new number's first message is marked for the notice,
    # which the worker queues as it processes it (the end-to-end part counts those).
    notices = InboundMessage.objects.filter(new_contact=True).count()
    notices += OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.NOTICE).count()
    if notices != new_contacts:
        problems.append(f"{notices} consent notices due for {new_contacts} new contacts")
    return {
        "sampled": len(chosen),
        "new_contacts": new_contacts,
        "notices_queued": notices,
        "problems": problems[:10],
        "ok": not problems,
    }


def check_replay(
    url: str, requests: RequestSet, ids: list[str], sample: int = 200
) -> dict[str, Any]:
    """Send acknowledged requests again: each must answer 200 with nothing stored."""
    import requests as http

    chosen = random.Random(11).sample(ids, min(sample, len(ids)))
    before = _counts()
    answers: list[tuple[int, Any]] = []
    with http.Session() as session:
        for message_id in chosen:
            signature, body = requests.bodies[message_id]
            response = session.post(
                url,
                data=body,
                headers={"Content-Type": "application/json", "X-Signature": signature},
                timeout=10,
            )
            stored = response.json().get("stored") if response.status_code == 200 else None
            answers.append((response.status_code, stored))
    after = _counts()
    changed = {k: after[k] - before[k] for k in before if after[k] != before[k]}
    bad = [a for a in answers if a != (200, 0)]
    return {
        "replayed": len(chosen),
        "not_200_stored_0": len(bad),
        "rows_created": changed,
        "ok": not bad and not changed,
    }
