"""Changing contacts: the one way a contact is born, consent, and the notices people read.

Design:
- Every contact is born in ``do_get_or_create_contacts``, whatever its source: a phone
  number or a handle from a channel, a hotline call, the web form, an import, demo
  seeding. A batch costs one lookup, one insert and one audit insert; each new contact
  gets a ``contact.create`` event naming the fields written (never their values).
- The inbound hot path is the same birth, made cheap (ADR 0004/0005):
  ``do_get_or_create_contact_with`` finds the contact of a phone number and writes the
  row that depends on it (the message) with its pending audit event — on PostgreSQL in
  one prepared statement for a known number; a number not found takes a second one that
  also makes the contact and writes its ``contact.create`` event, pending too. Elsewhere
  the portable path does the same in a short transaction, through
  ``do_get_or_create_contacts``. Both write only while a condition of the caller's holds
  (the channel still takes messages), checked in the same statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responsemap.intake.contacts.models import (
    ConsentNotice,
    ConsentRecord,
    Contact,
    IdPatternTimeout,
    IntakePolicy,
)
from responsemap.intake.contacts.phones import normalise_phone, phone_index
from responsemap.lib import rawsql
from responsemap.projects.models import Project
from responsemap.protection.audit import (
    PENDING_COLUMNS,
    EventSpec,
    deferred_chaining,
    pending_event,
    record_event,
    record_events,
)
from responsemap.protection.keyring import blind_index
from responsemap.protection.models import AuditPending
from responsemap.protection.viewer import ProjectId, Viewer

CONTACT_KEY = ("project_id", "phone_index")
CONTACT_COLUMNS = tuple(f.attname for f in Contact._meta.concrete_fields)


@dataclass(frozen=True)
class NewContact:
    """A person to find or make a contact for: a phone number (E.164: the caller
    normalises it, ``normalise_phone``) or a handle ("telegram:12345"), not both."""

    phone: str = ""
    handle: str = ""
    language: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        if bool(self.phone) == bool(self.handle):
            raise ValueError("a contact is found by a phone number or a handle")


def do_get_or_create_contacts(
    project_id: ProjectId, people: Sequence[NewContact], *, actor: Viewer | None = None
) -> list[tuple[Contact, bool]]:
    """The contact of each person (sealed, blind-indexed), made if new; with each, whether
    this call made it. The same person twice in a batch gets one contact. A contact made
    meanwhile by another request is found, not made twice (no error)."""
    keys = [_key(project_id, person) for person in people]
    with transaction.atomic():
        found = _find(project_id, keys)
        new: dict[tuple[str, str], Contact] = {}
        first: dict[tuple[str, str], NewContact] = {}
        for person, key in zip(people, keys, strict=True):
            if key not in found and key not in new:
                new[key] = _new_contact(project_id, person, key)
                first[key] = person
        made = rawsql.insert_objects(list(new.values()), skip_any_conflict=True)
        born = {key: contact for key, contact in new.items() if contact in made}
        if len(born) < len(new):  # lost a race: another request made it
            found |= _find(project_id, [key for key in new if key not in born])
        record_events([_birth_event(c, first[key], actor) for key, c in born.items()])
    return [(born[key], True) if key in born else (found[key], False) for key in keys]


def do_get_or_create_contact(
    *,
    project_id: ProjectId,
    country: str,
    raw_phone: str,
    language: str = "",
    name: str = "",
    actor: Viewer | None = None,
) -> tuple[Contact, bool]:
    """The contact behind a phone number (read in ``country``); raises InvalidPhone."""
    person = NewContact(phone=normalise_phone(raw_phone, country), language=language, name=name)
    return do_get_or_create_contacts(project_id, [person], actor=actor)[0]


def do_get_or_create_contact_by_handle(
    *, project_id: ProjectId, handle: str
) -> tuple[Contact, bool]:
    return do_get_or_create_contacts(project_id, [NewContact(handle=handle)])[0]


def _key(project_id: ProjectId, person: NewContact) -> tuple[str, str]:
    if person.phone:
        return "phone_index", phone_index(project_id, person.phone)
    return "handle_index", blind_index(project_id, "contact.handle", person.handle)


def _find(project_id: ProjectId, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Contact]:
    phones = [index for column, index in keys if column == "phone_index"]
    handles = [index for column, index in keys if column == "handle_index"]
    if not keys:
        return {}
    found: dict[tuple[str, str], Contact] = {}
    rows = Contact.objects.filter(project_id=project_id).filter(
        Q(phone_index__in=phones) | Q(handle_index__in=handles)
    )
    for contact in rows:
        if contact.phone_index:
            found["phone_index", contact.phone_index] = contact
        if contact.handle_index:
            found["handle_index", contact.handle_index] = contact
    return found


def _new_contact(project_id: ProjectId, person: NewContact, key: tuple[str, str]) -> Contact:
    contact = Contact(project_id=project_id, language=person.language, **{key[0]: key[1]})
    if person.phone:
        contact.phone = person.phone
    if person.handle:
        contact.handle = person.handle
    if person.name:
        contact.name = person.name
    return contact


def _birth_event(contact: Contact, person: NewContact, actor: Viewer | None = None) -> EventSpec:
    """``contact.create``: the fields written, never their values."""
    written = [name for name in ("phone", "handle", "name", "language") if getattr(person, name)]
    return EventSpec(
        "contact.create",
        project_id=contact.project_id,
        actor=actor,
        object_type="contact",
        object_id=contact.pk,
        fields=written,
    )


# The inbound hot path ------------------------------------------------------------------


@dataclass(frozen=True)
class Dependent:
    """A row written with its sender's contact, in the same statement (an inbound
    message): its ``contact_field`` and ``new_field`` are filled from the contact found
    or made. ``row`` holds every other column; ``conflict`` is the unique key whose
    clash means "already here" (a replay: nothing written); ``event`` (a pending audit
    event's row, ``audit.pending_event``) is written only if the row was."""

    model: type[models.Model]
    row: dict[str, Any]
    conflict: tuple[str, ...]
    event: dict[str, Any]
    contact_field: str = "contact_id"
    new_field: str = "new_contact"


@dataclass(frozen=True)
class Condition:
    """An SQL boolean expression (an ``EXISTS (…)``) and its parameters, portable to
    SQLite and PostgreSQL: nothing is written unless it holds as the statement runs."""

    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class Written:
    allowed: bool  # the condition held
    contact_id: uuid.UUID | None  # None: not allowed, or lost a race to make the contact
    new_contact: bool
    stored: bool  # the dependent row was written (False: a replay)


def do_get_or_create_contact_with(
    project_id: ProjectId, phone: str, dependent: Dependent, *, only_if: Condition
) -> Written:
    """``do_get_or_create_contacts`` for one phone number (E.164), writing ``dependent``
    with it. On PostgreSQL, a known number is one statement; a number not found, a
    second that makes its contact — unless another request makes it first: then
    nothing is written and ``contact_id`` is None (the caller takes the ORM path)."""
    if one_statement():
        return _in_one_statement(project_id, phone, dependent, only_if)
    return _portable(project_id, phone, dependent, only_if)


def one_statement() -> bool:
    """Whether the database takes the single statement (data-modifying CTEs)."""
    return connection.vendor == "postgresql"


def _in_one_statement(
    project_id: ProjectId, phone: str, dependent: Dependent, only_if: Condition
) -> Written:
    index = phone_index(project_id, phone)
    key = rawsql.db_values(Contact, CONTACT_KEY, [{"project_id": project_id, "phone_index": index}])
    columns = tuple(dependent.row)
    row = rawsql.db_values(dependent.model, columns, [dependent.row])
    event = rawsql.db_values(AuditPending, PENDING_COLUMNS, [dependent.event])
    shape = (
        dependent.model,
        columns,
        dependent.conflict,
        dependent.contact_field,
        dependent.new_field,
        only_if.sql,
    )
    with rawsql.cursor() as cursor:
        cursor.execute(_statement(*shape), [*only_if.params, *key, *row, *event])
        allowed, contact_id, stored = cursor.fetchone()
        if not allowed or contact_id is not None:
            return Written(bool(allowed), contact_id, False, stored is not None)
        person = NewContact(phone=phone)
        contact = _new_contact(project_id, person, ("phone_index", index))
        made = rawsql.db_values(Contact, CONTACT_COLUMNS, [rawsql.object_row(contact)])
        birth = pending_event(_birth_event(contact, person))
        born = rawsql.db_values(AuditPending, PENDING_COLUMNS, [birth])
        params = [*only_if.params, *key, *made, *born, *row, *event]
        cursor.execute(_statement(*shape, new=True), params)
        allowed, contact_id, new, stored = cursor.fetchone()
    return Written(bool(allowed), contact_id, bool(new), stored is not None)


@cache
def _statement(
    model: type[models.Model],
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    contact_field: str,
    new_field: str,
    only_if: str,
    new: bool = False,
) -> str:
    """A known number: ``gate`` (the caller's condition), ``sender`` (the contact found),
    ``stored`` (the dependent row), ``audited`` (its event). With ``new``, a number not
    found a moment ago: ``made`` makes its contact unless another request did meanwhile
    (then ``found`` has it, or, committed after this statement's snapshot, neither: the
    caller takes the ORM path), and ``born`` writes its ``contact.create`` event."""
    qn = connection.ops.quote_name
    find = (
        f"SELECT {qn('id')} FROM {qn(Contact._meta.db_table)} "  # noqa: S608
        f"WHERE {qn('project_id')} = %s AND {qn('phone_index')} = %s AND (SELECT ok FROM gate)"
    )
    if new:
        make = rawsql.insert_select_sql(
            Contact,
            CONTACT_COLUMNS,
            "(SELECT 1 WHERE (SELECT ok FROM gate) AND NOT EXISTS (SELECT 1 FROM found)) AS fresh",
            skip_any_conflict=True,
            returning=("id",),
        )
        born = rawsql.insert_select_sql(AuditPending, PENDING_COLUMNS, "made")
        sender = (
            f"found AS ({find}), made AS ({make}), born AS ({born}), "  # noqa: S608
            f"sender AS (SELECT {qn('id')}, false AS new FROM found "
            f"UNION ALL SELECT {qn('id')}, true FROM made)"
        )
    else:
        sender = f"sender AS (SELECT {qn('id')}, false AS new FROM ({find}) AS found)"  # noqa: S608
    insert = rawsql.insert_select_sql(
        model,
        columns,
        "sender",
        computed=((contact_field, "sender.id"), (new_field, "sender.new")),
        conflict=conflict,
        returning=("id",),
    )
    audited = rawsql.insert_select_sql(AuditPending, PENDING_COLUMNS, "stored")
    new_column = "(SELECT new FROM sender), " if new else ""
    return (
        f"WITH gate AS (SELECT ({only_if}) AS ok), {sender}, "  # noqa: S608
        f"stored AS ({insert}), audited AS ({audited}) "
        f"SELECT (SELECT ok FROM gate), (SELECT {qn('id')} FROM sender), {new_column}"
        f"(SELECT {qn('id')} FROM stored)"
    )


def _portable(
    project_id: ProjectId, phone: str, dependent: Dependent, only_if: Condition
) -> Written:
    # Pending events, as in the statement: the worker chains them (ADR 0004).
    with transaction.atomic(), deferred_chaining():
        if not holds(only_if):
            return Written(False, None, False, False)
        ((contact, new),) = do_get_or_create_contacts(project_id, [NewContact(phone=phone)])
        row = {**dependent.row, dependent.contact_field: contact.pk, dependent.new_field: new}
        stored = rawsql.insert(
            dependent.model, [row], conflict=dependent.conflict, returning=("id",)
        )
        if stored:
            rawsql.insert(AuditPending, [dependent.event])
    return Written(True, contact.pk, new, bool(stored))


def holds(condition: Condition) -> bool:
    """Whether ``condition`` holds now (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {condition.sql}", list(condition.params))  # noqa: S608
        return bool(cursor.fetchone()[0])


# Consent -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewConsent:
    contact: Contact | None
    given: bool
    method: str
    purposes: list[str]
    notice_version: str = ""
    recorded_at: datetime | None = None
    # Sealed: the staff witness of a verbal consent, where a recorded one is kept, the
    # guardian of a child who assented (``check_consent_kind`` says which is needed).
    witness_name: str = ""
    audio_reference: str = ""
    guardian_name: str = ""


class ConsentIncomplete(ValueError):
    """A consent of a kind that needs a detail given without it; the message says which."""


def check_consent_kind(consent: NewConsent) -> None:
    """A verbal consent names its witness, a recorded one where the recording is, a
    child's assent the guardian who consented; purposes are the known ones."""
    Method = ConsentRecord.Method
    if consent.method == Method.ASSENT and not consent.guardian_name.strip():
        raise ConsentIncomplete(_("A child's assent needs the name of the guardian who consented."))
    if consent.method == Method.AUDIO and not consent.audio_reference.strip():
        raise ConsentIncomplete(_("Say where the recording of the consent is kept."))
    unknown = set(consent.purposes) - set(ConsentRecord.Purpose.values)
    if unknown:
        raise ConsentIncomplete(
            _("Unknown purpose: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )


def do_record_consents(
    project_id: ProjectId, consents: Sequence[NewConsent], *, actor: Viewer | None = None
) -> list[ConsentRecord]:
    """Record what each person agreed to: one insert and one audit insert a batch."""
    now = timezone.now()
    for consent in consents:
        check_consent_kind(consent)
    with transaction.atomic():
        records = ConsentRecord.objects.bulk_create(
            _consent_row(project_id, consent, actor, now) for consent in consents
        )
        sealed = [
            _seal_details(record, consent)
            for record, consent in zip(records, consents, strict=True)
        ]
        record_events(
            [
                EventSpec(
                    "consent.record",
                    project_id=project_id,
                    actor=actor,
                    object_type="consentrecord",
                    object_id=record.pk,
                    fields=["given", "method", "purposes", *names],
                )
                for record, names in zip(records, sealed, strict=True)
            ]
        )
    return records


def _consent_row(
    project_id: ProjectId, consent: NewConsent, actor: Viewer | None, now: datetime
) -> ConsentRecord:
    record = ConsentRecord(
        project_id=project_id,
        contact=consent.contact,
        given=consent.given,
        method=consent.method,
        purposes=consent.purposes,
        notice_version=consent.notice_version,
        recorded_by_id=actor.user_id if actor else None,
        recorded_at=consent.recorded_at or now,
    )
    return record


SEALED_CONSENT_FIELDS = ("witness_name", "audio_reference", "guardian_name")


def _seal_details(record: ConsentRecord, consent: NewConsent) -> list[str]:
    """Seal the witness, recording and guardian once the row has its key (the seal is
    bound to it); the names of the fields written."""
    names = [name for name in SEALED_CONSENT_FIELDS if getattr(consent, name).strip()]
    for name in names:
        setattr(record, name, getattr(consent, name).strip())
    if names:
        record.save(update_fields=names)
    return names


def do_record_consent(
    *,
    project_id: ProjectId,
    contact: Contact | None,
    given: bool,
    method: str,
    purposes: list[str],
    notice_version: str = "",
    actor: Viewer | None = None,
    recorded_at: datetime | None = None,
    witness_name: str = "",
    audio_reference: str = "",
    guardian_name: str = "",
) -> ConsentRecord:
    consent = NewConsent(
        contact,
        given,
        method,
        purposes,
        notice_version,
        recorded_at,
        witness_name,
        audio_reference,
        guardian_name,
    )
    return do_record_consents(project_id, [consent], actor=actor)[0]


def do_set_consent_notice(
    *,
    project_id: ProjectId,
    language: str,
    text: str,
    actor: Viewer | None = None,
    sharing: str = "",
    rights: str = "",
) -> ConsentNotice:
    """Publish a new version of the consent notice for one language."""
    with transaction.atomic():
        latest = (
            ConsentNotice.objects.select_for_update()
            .filter(project_id=project_id, language=language)
            .order_by("-version")
            .first()
        )
        notice = ConsentNotice.objects.create(
            project_id=project_id,
            language=language,
            version=(latest.version + 1) if latest else 1,
            text=text,
            sharing=sharing,
            rights=rights,
        )
        record_event(
            "consent_notice.publish",
            project_id=project_id,
            actor=actor,
            object_type="consentnotice",
            object_id=notice.pk,
            purpose=language,
        )
    return notice


def do_set_redaction_settings(
    *,
    project_id: ProjectId,
    id_patterns: Sequence[str],
    cue_words: Sequence[str],
    keep_words: Sequence[str],
    actor: Viewer | None = None,
) -> IntakePolicy:
    """Save what the project's redaction adds to the built-in rules (validated by the
    caller: ``RedactionPolicy`` compiles the patterns). The event names the fields that
    changed, not their values; the next batch of messages uses them, in every worker."""
    wanted = {
        "id_patterns": list(id_patterns),
        "redaction_cue_words": list(cue_words),
        "redaction_keep_words": list(keep_words),
    }
    with transaction.atomic():
        policy = IntakePolicy.objects.select_for_update().filter(project_id=project_id).first()
        if policy is None:
            policy = IntakePolicy(project_id=project_id)
        changed = [name for name, value in wanted.items() if getattr(policy, name) != value]
        for name, value in wanted.items():
            setattr(policy, name, value)
        policy.save()
        # A pattern no longer in use takes its warning with it.
        on_project = Project.objects.filter(pk=project_id).values_list("id_patterns", flat=True)
        in_use = [*id_patterns, *(on_project.first() or [])]
        IdPatternTimeout.objects.filter(project_id=project_id).exclude(pattern__in=in_use).delete()
        record_event(
            "redaction_settings.save",
            project_id=project_id,
            actor=actor,
            object_type="intakepolicy",
            object_id=policy.pk,
            fields=changed,
        )
    return policy


def do_count_id_pattern_timeout(*, project_id: ProjectId, pattern: str) -> None:
    """One more message on which ``pattern`` ran out of its time and was left out of
    the redaction (``protection.redaction.patterns``), for the manager's warning. Called
    by the worker, in its transaction; the event is the count's, never the message's."""
    now = timezone.now()
    rows = IdPatternTimeout.objects.filter(project_id=project_id, pattern=pattern)
    with transaction.atomic():
        if not rows.update(count=models.F("count") + 1, last_at=now):
            try:
                with transaction.atomic():  # a savepoint: another worker may insert first
                    IdPatternTimeout.objects.create(
                        project_id=project_id, pattern=pattern, count=1, first_at=now, last_at=now
                    )
            except IntegrityError:
                rows.update(count=models.F("count") + 1, last_at=now)
        record_event(
            "redaction.id_pattern_timeout",
            project_id=project_id,
            object_type="idpatterntimeout",
            object_id=rows.values_list("pk", flat=True).first() or "",
            fields=["count"],
        )
