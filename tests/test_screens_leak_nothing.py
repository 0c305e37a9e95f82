"""Every screen, for every persona, shows a confidential value only where the catalogue
allows it for that persona.

Records are made with a distinctive marker in each confidential field (message and its
redacted copy, the contact's phone number and name, call details, an import file's name
and a cell of the file, the consent notice, an audit reason; and a record of another
project). Every screen is fetched by every persona (and by someone not signed in), and
each marker found in a response must be allowed by the field catalogue for that persona:
the field's view permission, the record's visibility to them (the ``visible_to``
loaders), and, for an encrypted field, a reveal of that very field by a role holding its
reveal permission. A marker in a field the catalogue does not name is never allowed.
A partner user may see, besides, the fields an agreement in force shares of a record
referred to their organisation (their queue, the referral's page), and nothing else.

The same sweep checks that no template was handed a model instance, a queryset or a
paginator page: only ``present()``'s results, forms and plain values.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseForm
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.geo.models import AdminArea
from responsemap.imports.actions import do_create_import_job
from responsemap.imports.models import ImportJob
from responsemap.imports.pull.actions import do_create_pull_source
from responsemap.imports.queries import jobs_visible_to
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.contacts.actions import (
    NewContact,
    do_get_or_create_contacts,
    do_set_consent_notice,
)
from responsemap.intake.contacts.models import ConsentNotice, Contact
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    NewAgreement,
    do_create_agreement,
    do_create_partner,
    do_link_partner_user,
)
from responsemap.protection.catalogue import Classification, policies_for
from responsemap.protection.fields import EncryptedTextField
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import present
from responsemap.protection.viewer import Viewer
from responsemap.testing import PASSWORD
from responsemap.triage.actions import (
    CallInfo,
    NewFeedback,
    do_change_status,
    do_create_feedback,
)
from responsemap.triage.alerts.actions import do_raise_alert
from responsemap.triage.duplicates.actions import do_add_to_group
from responsemap.triage.duplicates.models import RumourMember
from responsemap.triage.models import CallDetails, Feedback
from responsemap.triage.queries import feedback_visible_to
from responsemap.triage.referrals.actions import do_refer_feedback
from responsemap.triage.referrals.queries import referral_visible_to, shared_fields, today
from responsemap.triage.replies.actions import do_record_callback_outcome, do_reply_to_feedback
from responsemap.triage.replies.models import CallbackAttempt, Reply
from responsemap.triage.verification.actions import do_verify_feedback
from responsemap.triage.verification.models import Verification

pytestmark = pytest.mark.django_db

PERSONAS = ["operator", "officer", "protection", "manager", "partner", "donor", "outsider"]
EVERYONE = [*PERSONAS, "sysadmin", "anonymous"]
REVEAL_REASON = "Calling back ZQXWHY"


@dataclass(frozen=True)
class Marked:
    """Where a marker was put: a record and one of its fields."""

    record: models.Model
    field: str


@dataclass
class World:
    project: Project
    feedback: Feedback
    sensitive: Feedback
    job: ImportJob
    markers: dict[str, Marked]
    screens: list[str]


def _feedback(
    project: Project, tag: str, phone: str, actor: Viewer | None, **extra: Any
) -> Feedback:
    """A hotline call with a known contact (named), its redacted copy written."""
    ((contact, _),) = do_get_or_create_contacts(
        project.pk, [NewContact(phone=phone, name=f"ZQXNAME{tag}")], actor=actor
    )
    record = do_create_feedback(
        project,
        NewFeedback(
            source="hotline",
            content=f"ZQXCONTENT{tag} no water since Monday",
            phone=phone,
            consent_given=True,
            call=CallInfo(
                consent_asked=True,
                consent_answer=True,
                duration_seconds=4271,
                callback_requested=True,
            ),
            **extra,
        ),
        actor,
    )
    assert record.contact_id == contact.pk
    # What the redaction worker writes (it runs after commit, which tests don't reach).
    record.redacted_content = f"ZQXREDACTED{tag} [NAME]"  # sealed at save
    record.save(update_fields=["redacted_content"])
    return record


@pytest.fixture
def world(
    project: Project, other_project: Project, personas: dict[str, User], area: AdminArea
) -> World:
    officer = viewer_for(personas["officer"], project.pk)
    manager = viewer_for(personas["manager"], project.pk)
    assert officer is not None
    assert manager is not None
    feedback = _feedback(
        project, "A", "+50937994321", officer, area=area, type_code="complaint", sector="wash"
    )
    sensitive = _feedback(project, "B", "+50937998765", officer, sensitivity="sensitive")
    elsewhere = _feedback(other_project, "C", "+50937991111", None)
    # A reveal, so the audit trail holds a reason.
    present(feedback, officer, "feedback_detail", reveal=["content"], reason="ZQXREASON check")
    reveal_event = AuditEvent.objects.get(action="field.reveal", object_id=str(feedback.pk))
    notice = do_set_consent_notice(
        project_id=project.pk, language="fr", text="ZQXNOTICE we keep it", actor=manager
    )
    data = b"message,phone\nZQXCELL the pump is broken,+509 3799 2222\n"
    jobs = [
        do_create_import_job(project=project, file_name="ZQXFILE.csv", data=data, actor=officer)
        for _ in range(3)
    ]
    ImportJob.objects.filter(pk=jobs[1].pk).update(state="mapped", dry_run={"ok": 1})
    ImportJob.objects.filter(pk=jobs[2].pk).update(state="done", total=1, created=1)

    # A form server connection (imports.pull): its token is never shown to anyone.
    pull_source = do_create_pull_source(
        project=project,
        kind="kobo",
        name="Camp form",
        config={"server_url": "http://127.0.0.1:9", "asset_uid": "aXecHjmbATuF6iGFmvBLBX"},
        secrets={"token": "ZQXPULLTOKEN0123456789"},
        interval_minutes=60,
        actor=manager,
    )

    # Replies and call-backs (triage.replies): a reply on A, a call-back note on B.
    do_create_channel(project_id=project.pk, kind="kannel", name="SMS", secrets={})
    reply = do_reply_to_feedback(officer, feedback.pk, "ZQXREPLYA we come Monday").reply
    protection = viewer_for(personas["protection"], project.pk)
    assert protection is not None
    attempt = do_record_callback_outcome(protection, sensitive.pk, "no_answer", "ZQXCALLNOTEB")

    # Alerts (triage.alerts): on A (officers, protection) and B (protection only).
    do_raise_alert(str(feedback.pk), "urgency")
    do_raise_alert(str(sensitive.pk), "rule")

    # Duplicates and verification: A and B in one rumour group, a sealed note on A.
    grouped = RumourMember.objects.filter(feedback=sensitive).first()  # alike at birth
    group = (
        grouped.group if grouped else do_add_to_group(protection, sensitive.pk, feedback.reference)
    )
    verification = do_verify_feedback(officer, feedback.pk, "verified", 2, "ZQXVERIFYA")

    # A referral of A to the partner user's organisation, under an agreement sharing its
    # codes and its redacted copy (triage.referrals): the partner's screens are swept too.
    clinic = do_create_partner(manager, "Clinique Espoir")
    do_link_partner_user(manager, clinic.pk, personas["partner"].pk)
    agreement = do_create_agreement(
        manager,
        NewAgreement(
            partner_id=clinic.pk,
            purpose="Water follow-up",
            document_reference="DSA-2026-001",
            valid_from=today() - datetime.timedelta(days=30),
            valid_to=today() + datetime.timedelta(days=30),
            fields_allowed=["type_code", "sector", "redacted_content"],
            types_allowed=["complaint"],
            sectors_allowed=["wash"],
        ),
    )
    do_change_status(officer, feedback.pk, "triaged")
    do_change_status(officer, feedback.pk, "in_progress")
    referral = do_refer_feedback(officer, feedback.pk, agreement.pk, "", consent_confirmed=True)

    contact = contact_of(feedback)
    markers = {
        "ZQXCONTENTA": Marked(feedback, "content"),
        "ZQXREDACTEDA": Marked(feedback, "redacted_content"),
        "ZQXNAMEA": Marked(contact, "name"),
        "37994321": Marked(contact, "phone"),
        "1:11:11": Marked(CallDetails.objects.get(feedback=feedback), "duration_seconds"),
        "ZQXCONTENTB": Marked(sensitive, "content"),
        "ZQXREDACTEDB": Marked(sensitive, "redacted_content"),
        "ZQXNAMEB": Marked(contact_of(sensitive), "name"),
        "37998765": Marked(contact_of(sensitive), "phone"),
        "ZQXCONTENTC": Marked(elsewhere, "content"),
        "ZQXREDACTEDC": Marked(elsewhere, "redacted_content"),
        "ZQXNAMEC": Marked(contact_of(elsewhere), "name"),
        "37991111": Marked(contact_of(elsewhere), "phone"),
        "ZQXPULLTOKEN": Marked(pull_source, "secrets"),
        "ZQXFILE": Marked(jobs[0], "file_name"),
        "ZQXCELL": Marked(jobs[0], "content"),
        "37992222": Marked(jobs[0], "content"),
        "ZQXREASON": Marked(reveal_event, "reason"),
        "ZQXNOTICE": Marked(notice, "text"),
        "ZQXREPLYA": Marked(reply, "text"),
        "ZQXCALLNOTEB": Marked(attempt, "note"),
        "ZQXVERIFYA": Marked(verification, "notes"),
    }
    slug = project.slug
    screens = [
        reverse("home"),
        reverse("project_home", args=[slug]),
        reverse("triage:inbox", args=[slug]),
        reverse("triage:inbox", args=[slug]) + f"?q={feedback.reference}",
        reverse("triage:inbox", args=[slug]) + "?status=new&urgency=normal&page=9",
        # My work, my calls, the last page of a word search.
        reverse("triage:my_work", args=[slug]),
        reverse("triage:my_calls", args=[slug]),
        reverse("triage:inbox", args=[slug]) + "?words=water+point&from_end=1",
        reverse("triage:hotline", args=[slug]),
        *(
            reverse(name, args=[slug, record.pk])
            for record in (feedback, sensitive, elsewhere)
            for name in ("triage:detail", "triage:audit")
        ),
        reverse("imports:index", args=[slug]),
        reverse("imports:mapping", args=[slug, jobs[0].pk]),
        reverse("imports:check", args=[slug, jobs[1].pk]),
        reverse("imports:job", args=[slug, jobs[2].pk]),
        reverse("imports:errors", args=[slug, jobs[2].pk]),
        reverse("imports:pull", args=[slug]),
        *(
            reverse(name, args=[slug, pull_source.pk])
            for name in ("imports:pull_source", "imports:pull_mapping", "imports:pull_change")
        ),
        reverse("intake_admin:notices", args=[slug]),
        reverse("intake_admin:redaction", args=[slug]),
        reverse("triage:coding:framework", args=[slug]),  # the coding framework
        reverse("triage:coding:framework", args=[slug]) + "?show=active",
        reverse("triage:sharing", args=[slug]),  # partners and agreements
        reverse("triage:partner_queue", args=[slug]),  # a partner user's queue
        reverse("triage:partner_referral", args=[slug, referral.pk]),  # and one referral
        reverse("triage:disclosure_log", args=[slug, agreement.pk]),
        reverse("triage:refer", args=[slug, feedback.pk]),
        # Members, teams and roles (projects.members_views): managers only.
        reverse("members:list", args=[slug]),
        reverse("members:list", args=[slug]) + "?q=officer&role=officer&state=all",
        reverse("members:member", args=[slug, personas["officer"].memberships.get().pk]),
        reverse("members:add", args=[slug]),
        reverse("members:teams", args=[slug]),
        reverse("members:roles", args=[slug]),
        reverse("triage:callbacks", args=[slug]),
        reverse("triage:callbacks", args=[slug]) + "?whose=all&state=any",
        *(reverse("triage:callback", args=[slug, r.pk]) for r in (feedback, sensitive, elsewhere)),
        reverse("triage:reply_templates", args=[slug]),
        reverse("triage:reply_template_new", args=[slug]),
        reverse("triage:duplicate_settings", args=[slug]),
        reverse("public:thanks", args=[slug]),
        reverse("triage:response_times", args=[slug]),
        reverse("public:form", args=[slug]),
        reverse("public:form", args=[slug]) + "?lang=en",
        reverse("public:status", args=[slug]),
        # Alerts, rules, alert settings.
        reverse("triage:alerts:list", args=[slug]),
        reverse("triage:alerts:list", args=[slug]) + "?show=all&ref=" + feedback.reference,
        reverse("triage:rules:list", args=[slug]),
        reverse("triage:rules:new", args=[slug]),
        reverse("triage:alerts:policy", args=[slug]),
        # Rumour groups (A and the protected B in one group).
        reverse("triage:rumour_groups", args=[slug]),
        reverse("triage:rumour_groups", args=[slug]) + "?words=pump&since=2020-01-01",
        reverse("triage:rumour_group", args=[slug, group.pk]),
        # The map (aggregates only) and its settings.
        reverse("analytics:map", args=[slug]),
        reverse("analytics:map", args=[slug]) + "?level=1&type_code=question",
        reverse("analytics:map_grid", args=[slug]) + "?bbox=-180,-85,180,85&zoom=13",
        reverse("analytics:map_boundaries", args=[slug]) + "?level=1&zoom=5",
        reverse("analytics:map_settings", args=[slug]),
    ]
    return World(project, feedback, sensitive, jobs[0], markers, screens)


def contact_of(record: Feedback) -> Contact:
    assert record.contact is not None
    return record.contact


def viewer_of(persona: str, personas: dict[str, User], project: Project) -> Viewer | None:
    return None if persona == "anonymous" else viewer_for(personas[persona], project.pk)


def record_visible(record: models.Model, viewer: Viewer) -> bool:
    """Whether the loaders (chokepoint 1) let ``viewer`` load ``record``."""
    if isinstance(record, Feedback):
        return feedback_visible_to(viewer).filter(pk=record.pk).exists()
    if isinstance(record, Contact):
        return feedback_visible_to(viewer).filter(contact=record).exists()
    if isinstance(record, Verification):
        return feedback_visible_to(viewer).filter(pk=record.feedback_id).exists()
    if isinstance(record, Reply | CallbackAttempt):
        return feedback_visible_to(viewer).filter(pk=record.feedback_id).exists()
    if isinstance(record, CallDetails):
        return feedback_visible_to(viewer).filter(pk=record.feedback_id).exists()
    if isinstance(record, AuditEvent):  # in the trail of the record it names
        return feedback_visible_to(viewer).filter(pk=record.object_id).exists()
    if isinstance(record, ImportJob):
        return jobs_visible_to(viewer).filter(pk=record.pk).exists()
    return str(getattr(record, "project_id", "")) == str(viewer.project_id)


def referred_field(marked: Marked, viewer: Viewer) -> bool:
    """A field of a record referred to the partner user's organisation, under an
    agreement in force that shares it (the partner's lens, ``triage.referrals``)."""
    if not isinstance(marked.record, Feedback):
        return False
    return any(
        marked.field in shared_fields(referral.agreement)
        for referral in referral_visible_to(viewer)
        .filter(feedback_id=marked.record.pk)
        .select_related("agreement")
    )


def allowed(marked: Marked, viewer: Viewer | None, revealed: frozenset[Marked]) -> bool:
    """May ``viewer`` see this field's value, given what they asked to reveal?"""
    policy = policies_for(marked.record).get(marked.field)
    if policy is None:
        return False  # not catalogued: never shown
    if viewer is None:  # not a member: public fields of public records only
        return (
            isinstance(marked.record, ConsentNotice)
            and policy.view_permission is None
            and policy.classification == Classification.PUBLIC
        )
    if referred_field(marked, viewer):
        return True
    if not record_visible(marked.record, viewer) or not viewer.can(policy.view_permission):
        return False
    field = marked.record._meta.get_field(marked.field)
    # Sealed at rest only (no reveal permission, e.g. the redacted copy): shown as is.
    if isinstance(field, EncryptedTextField) and policy.reveal_permission is not None:
        return marked in revealed and viewer.can(policy.reveal_permission)
    return True


def leaks(
    body: str, world: World, viewer: Viewer | None, revealed: frozenset[Marked] = frozenset()
) -> Iterator[str]:
    for marker, marked in world.markers.items():
        if marker in body and not allowed(marked, viewer, revealed):
            yield marker


def forbidden_in_context(response: Any) -> Iterator[str]:
    """Names of context values that are model instances, querysets or pages."""
    contexts = response.context or []
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for key, value in context.flatten().items():
            if key in ("user", "perms", "request"):  # the signed-in person's own account
                continue
            yield from (f"{key}: {bad}" for bad in _forbidden(value))


def _forbidden(value: Any) -> Iterator[str]:
    if isinstance(value, BaseForm):
        return  # forms hold what the person typed, and their choices
    if isinstance(value, models.Model | QuerySet | Page | Paginator | models.Manager):
        yield type(value).__name__
    elif isinstance(value, dict | list | tuple):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _forbidden(item)


def client_for(persona: str, client_as: Callable[[str], Client]) -> Client:
    return Client() if persona == "anonymous" else client_as(persona)


def test_no_screen_shows_what_the_catalogue_hides(
    world: World, personas: dict[str, User], client_as: Callable[[str], Client]
) -> None:
    found: list[str] = []
    handed: list[str] = []
    seen: set[str] = set()
    for persona in EVERYONE:
        client = client_for(persona, client_as)
        viewer = viewer_of(persona, personas, world.project)
        for url in world.screens:
            response = client.get(url)
            body = response.content.decode()
            seen |= {m for m in world.markers if m in body}
            found += [f"{persona} {url}: {m}" for m in leaks(body, world, viewer)]
            handed += [f"{persona} {url}: {b}" for b in forbidden_in_context(response)]
    assert found == []
    assert handed == []
    # Not vacuous: every value some persona may see was seen somewhere.
    visible_somewhere = {
        marker
        for marker, marked in world.markers.items()
        if any(
            allowed(marked, viewer_of(p, personas, world.project), frozenset()) for p in EVERYONE
        )
    }
    assert visible_somewhere == {
        "ZQXREDACTEDA",
        "ZQXREDACTEDB",
        "1:11:11",
        "ZQXFILE",
        "ZQXREASON",
        "ZQXNOTICE",
        "ZQXREPLYA",
        "ZQXCALLNOTEB",
        "ZQXVERIFYA",
    }
    assert visible_somewhere <= seen


@pytest.mark.parametrize("persona", EVERYONE)
def test_a_reveal_shows_only_the_field_revealed_to_roles_that_may(
    world: World, personas: dict[str, User], client_as: Callable[[str], Client], persona: str
) -> None:
    client = client_for(persona, client_as)
    viewer = viewer_of(persona, personas, world.project)
    for record in (world.feedback, world.sensitive):
        contact = contact_of(record)
        for field, revealed in (
            ("content", frozenset({Marked(record, "content")})),
            ("contact", frozenset({Marked(contact, "phone"), Marked(contact, "name")})),
        ):
            url = reverse("triage:reveal", args=[world.project.slug, record.pk])
            response = client.post(
                url, {"field": field, "reason": REVEAL_REASON, "password": PASSWORD}
            )
            body = response.content.decode()
            where = f"{persona} reveals {field} of {record.reference}"
            assert list(leaks(body, world, viewer, revealed)) == [], where
            assert list(forbidden_in_context(response)) == [], where
            assert "ZQXWHY" not in body, where
            for marker, marked in world.markers.items():
                if marked in revealed and allowed(marked, viewer, revealed):
                    assert marker in body, f"{where}: {marker} was not shown"


def test_the_partner_screens_swept_show_what_the_agreement_shares(
    world: World, client_as: Callable[[str], Client]
) -> None:
    """The sweep is not empty for the partner: their referral's page shows the shared
    redacted copy (allowed by the agreement) and nothing else of the record."""
    client = client_as("partner")
    referral_pages = [url for url in world.screens if "/referrals/" in url]
    assert len(referral_pages) == 2
    body = client.get(referral_pages[1]).content.decode()
    assert "ZQXREDACTEDA" in body
    for marker in ("ZQXCONTENTA", "ZQXNAMEA", "37994321", "ZQXREDACTEDB", "ZQXREDACTEDC"):
        assert marker not in body
