"""present() across every catalogued model and the eight personas.

For each (model, field, persona) the expectation is computed from the catalogue and the
persona's permissions, not written by hand: a field is shown, masked, or masked but
revealable exactly as its policy says; a reveal opens only the field asked for, and only
for a role holding its reveal permission; a field that is not catalogued is not there.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from responsemap.accounts.models import Membership, Role, Team, User
from responsemap.accounts.queries import viewer_for
from responsemap.analytics.reports.models import ReportNarrative
from responsemap.geo.models import AdminArea
from responsemap.imports.models import ImportJob, SavedMapping, SubmissionLink
from responsemap.imports.pull.models import PullSource
from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord, Contact
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.projects.destruction.models import LegalHold
from responsemap.projects.models import Project
from responsemap.protection.audit import with_details
from responsemap.protection.catalogue import (
    Classification,
    FieldPolicy,
    catalogued_models,
    declare,
    policies_for,
)
from responsemap.protection.fields import EncryptedTextField
from responsemap.protection.models import AuditEvent
from responsemap.protection.present import PUBLIC, Presented, freeze, present, present_many
from responsemap.protection.viewer import Viewer
from responsemap.triage.coding.models import Code
from responsemap.triage.inbox.models import SavedFilter
from responsemap.triage.models import CallDetails, Feedback, Note
from responsemap.triage.replies.models import CallbackAttempt, Reply, ReplyTemplate
from responsemap.triage.rights.models import SubjectRequest

pytestmark = pytest.mark.django_db

PERSONAS = ["operator", "officer", "protection", "manager", "partner", "donor", "outsider"]
ALL_PERSONAS = [*PERSONAS, "sysadmin"]
SHOWN = "ZQXSHOWN"  # in catalogued fields
HIDDEN = "ZQXHIDDEN"  # in fields the catalogue does not name


def _samples(project: Project, area: AdminArea, officer: User) -> dict[str, models.Model]:
    """One record of every catalogued model, text fields marked: catalogued ones with
    SHOWN, the others with HIDDEN. Unsaved where the model allows it."""
    now = timezone.now()
    feedback = Feedback(
        project=project,
        reference=f"{SHOWN}-ref"[:12],
        source="hotline",
        provider_message_id=f"{HIDDEN}-provider",
        received_at=now,
        language="fr",
        area=area,
        type_code="complaint",
        topic=f"{SHOWN}-topic",
        urgency="critical",
        assignee=officer,
        gender="female",
        age_band="25-59",
        sensitivity="sensitive",
    )
    feedback.redacted_content = f"{SHOWN}-redacted_content"
    feedback.content = f"{SHOWN}-content"
    contact = Contact(
        project=project,
        phone_index=f"{HIDDEN}-phone-index",
        handle_index=f"{HIDDEN}-handle-index",
        language="fr",
        opted_out_at=now,
    )
    contact.phone, contact.name, contact.handle = (
        f"{SHOWN}-{n}" for n in ("phone", "name", "handle")
    )
    inbound = InboundMessage(
        project=project,
        provider_message_id=f"{HIDDEN}-provider",
        kind="opt_out",
        received_at=now,
        meta={"note": HIDDEN},
    )
    inbound.text = f"{SHOWN}-text"
    outbound = OutboundMessage(
        project=project,
        purpose="reply",
        provider_message_id=f"{HIDDEN}-provider",
        last_error=f"{HIDDEN}-error",
        created_at=now,
    )
    outbound.text = f"{SHOWN}-text"
    job = ImportJob(
        project=project,
        created_by=officer,
        file_kind="csv",
        mapping={"columns": {"content": 0}, "date_order": "dmy"},
        dry_run={"ok": 3},
        errors=[{"row": 2, "column": 0, "reason": "bad_date"}],
        failure_reason="unreadable",
        created_at=now,
    )
    job.content = f"{HIDDEN}-file-content"
    # Sealed, and shown to whoever may import (no reveal).
    job.file_name, job.headers = f"{SHOWN}-file_name", f"{SHOWN}-headers"
    note = Note(project=project, feedback=feedback, author=officer, created_at=now)
    note.text = f"{SHOWN}-text"  # sealed at rest only: shown to whoever sees the record
    staff = User(
        username=f"{SHOWN}-username",
        first_name=f"{SHOWN}-first",
        last_name=f"{SHOWN}-last",
        email=f"{SHOWN}@example.org",
        password=f"{HIDDEN}-password",
        last_login=now,
    )
    return {
        "accounts.membership": Membership(
            project=project,
            user=officer,
            role=Role.objects.get(project=project, code="officer"),
            created_at=now,
        ),
        "accounts.user": staff,
        "accounts.team": Team(project=project, name=f"{SHOWN}-team", created_at=now),
        "triage.note": note,
        "triage.savedfilter": _saved_filter_sample(project, officer),
        **_reply_samples(project, feedback, officer),
        **_duplicate_samples(project, feedback, officer),
        **_referral_samples(project, feedback, officer),
        "triage.code": Code(
            project=project, kind="topic", code="water", label=f"{SHOWN}-label", created_at=now
        ),
        "projects.project": project,
        "projects.legalhold": LegalHold(
            project=project,
            reason=f"{SHOWN}-hold",
            owner=officer,
            expires_on=now.date(),
            placed_at=now,
        ),
        "triage.feedback": feedback,
        "triage.calldetails": CallDetails(
            feedback=feedback,
            project=project,
            duration_seconds=4271,
            callback_requested=True,
            consent_asked=True,
            consent_answer=True,
        ),
        "intake.contact": contact,
        "intake.inboundmessage": inbound,
        "intake.outboundmessage": outbound,
        "intake.consentnotice": ConsentNotice(
            project=project, language="fr", version=3, text=f"{SHOWN}-notice", created_at=now
        ),
        "intake.consentrecord": _consent_sample(project, contact, officer),
        "triage.subjectrequest": _subject_request_sample(project, officer),
        "imports.importjob": job,
        "imports.savedmapping": _saved_mapping_sample(project, officer),
        "imports.pullsource": _pull_source_sample(project, officer),
        "analytics.reportnarrative": ReportNarrative(
            project=project, text=f"{SHOWN}-text", updated_at=now, updated_by=officer
        ),
        "imports.submissionlink": SubmissionLink(
            feedback_id=feedback.pk, project=project, submission_key="k:submission"
        ),
        "protection.auditevent": AuditEvent(
            chain=f"project:{project.pk}",
            project_id=project.pk,
            created_at=now,
            actor_label=f"{SHOWN}-actor",
            role="officer",
            action="field.reveal",
            object_type="feedback",
            object_id=f"{HIDDEN}-object",
            fields=["content"],
            reason=f"{SHOWN}-reason",
            purpose=f"{SHOWN}-purpose",
            request_id=f"{HIDDEN}-request",
            client_ip="10.9.8.7",
            seq=7,
            prev_hash=f"{HIDDEN}-prev",
            hash=f"{HIDDEN}-hash",
        ),
    }


def _consent_sample(project: Project, contact: Contact, officer: User) -> ConsentRecord:
    """A consent record: its witness, recording and guardian sealed, revealed like a
    contact's name."""
    now = timezone.now()
    consent = ConsentRecord(
        project=project,
        contact=contact,
        given=True,
        method="verbal",
        purposes=["respond"],
        notice_version=f"{SHOWN}-v"[:32],
        recorded_by=officer,
        recorded_at=now,
        withdrawn_at=now,
    )
    consent.witness_name = f"{SHOWN}-witness_name"
    consent.audio_reference = f"{SHOWN}-audio_reference"
    consent.guardian_name = f"{SHOWN}-guardian_name"
    return consent


def _subject_request_sample(project: Project, officer: User) -> SubjectRequest:
    """A data-subject request: for the data-protection role only."""
    now = timezone.now()
    request = SubjectRequest(
        project=project,
        kind="access",
        status="open",
        received_at=now,
        due_at=now,
        reference=f"{SHOWN}-r"[:12],
        language="fr",
        opened_by=officer,
        handled_by=officer,
        closed_at=now,
        outcome={"records": 1},
    )
    request.note = f"{SHOWN}-note"
    return request


def _saved_mapping_sample(project: Project, officer: User) -> SavedMapping:
    """A form's saved import mapping: header names sealed, shown to who may import."""
    saved = SavedMapping(project=project, form_key="f:form", updated_by=officer)
    saved.mapping = f"{SHOWN}-mapping"
    return saved


def _pull_source_sample(project: Project, officer: User) -> PullSource:
    """A connected form server: its secrets and form fields sealed."""
    source = PullSource(project=project, created_by=officer, kind="kobo", name="Form")
    source.secrets = f"{SHOWN}-secrets"
    source.fields = f"{SHOWN}-fields"
    return source


def _saved_filter_sample(project: Project, officer: User) -> SavedFilter:
    """A person's saved inbox filter: name and query sealed, shown to its owner."""
    saved = SavedFilter(project=project, owner=officer, created_at=timezone.now())
    saved.name, saved.query = f"{SHOWN}-name", f"{SHOWN}-query"
    return saved


@pytest.fixture
def samples(
    project: Project, area: AdminArea, personas: dict[str, User]
) -> dict[str, models.Model]:
    return _samples(project, area, personas["officer"])


def viewer_of(persona: str, personas: dict[str, User], project: Project) -> Viewer:
    """The persona's viewer; the outsider's is in their own project, and the system
    admin, a member of nothing, is the public."""
    user = personas[persona]
    membership_project = user.memberships.values_list("project_id", flat=True).first()
    viewer = viewer_for(user, membership_project or project.pk)
    return viewer if viewer is not None else PUBLIC


def expected(policy: FieldPolicy, viewer: Viewer, encrypted: bool, empty: bool) -> str:
    """shown, masked or revealable, from the policy and the viewer's permissions."""
    if viewer is PUBLIC:
        may_view = policy.view_permission is None and policy.classification == 0
    else:
        may_view = policy.view_permission is None or policy.view_permission in viewer.permissions
    if not may_view:
        return "masked"
    if encrypted and not empty and policy.reveal_permission is not None:
        # (An encrypted field with no reveal permission is sealed at rest only: shown.)
        may_reveal = viewer is not PUBLIC and policy.reveal_permission in viewer.permissions
        return "revealable" if may_reveal else "masked"
    return "shown"


def outcome(shown: Any) -> str:
    if not shown.masked:
        return "shown"
    return "revealable" if shown.revealable else "masked"


def display(record: models.Model, name: str) -> Any:
    field = record._meta.get_field(name)
    if isinstance(field, EncryptedTextField):  # sealed at rest only: shown opened
        return f"{SHOWN}-{name}"
    raw = getattr(record, name)
    labels = policies_for(record)[name].labels  # a coding framework's words (triage.coding)
    choices = dict(labels([record]) if labels else getattr(field, "flatchoices", None) or ())
    return str(choices[raw]) if choices and raw in choices else raw


def texts(value: Any) -> Iterator[str]:
    """Every piece of text inside a shown value."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from texts(item)
    elif isinstance(value, tuple):
        for item in value:
            yield from texts(item)
    else:
        yield str(value)


def is_encrypted(record: models.Model, name: str) -> bool:
    return isinstance(record._meta.get_field(name), EncryptedTextField)


def scoped_elsewhere(record: models.Model, viewer: Viewer) -> bool:
    return (
        viewer is not PUBLIC
        and hasattr(record, "project_id")
        and str(record.project_id) != str(viewer.project_id)
    )


def test_every_catalogued_model_has_a_sample(samples: dict[str, models.Model]) -> None:
    assert set(samples) == set(catalogued_models())


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_each_field_as_the_catalogue_says(
    samples: dict[str, models.Model],
    personas: dict[str, User],
    project: Project,
    persona: str,
) -> None:
    viewer = viewer_of(persona, personas, project)
    for label, record in samples.items():
        policies = policies_for(record)
        if scoped_elsewhere(record, viewer):
            with pytest.raises(PermissionDenied):
                present(record, viewer, "test")
            continue
        shown = present(record, viewer, "test")
        assert isinstance(shown, Presented)
        assert list(shown) == list(policies), f"{label}: only catalogued fields, all of them"
        assert shown.id == str(record.pk)
        assert shown.object_type == record._meta.model_name
        for name, policy in policies.items():
            raw = getattr(record, name)
            want = expected(policy, viewer, is_encrypted(record, name), raw is None)
            where = f"{label}.{name} for {persona}"
            assert outcome(shown[name]) == want, where
            if want == "shown":
                assert shown[name].value == freeze(display(record, name)), where
            else:
                assert shown[name].value == policy.mask, where
        for value in shown.values():
            assert not any(HIDDEN in text for text in texts(value.value)), label


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_a_reveal_opens_the_field_asked_for_and_only_for_roles_that_may(
    samples: dict[str, models.Model],
    personas: dict[str, User],
    project: Project,
    persona: str,
) -> None:
    viewer = viewer_of(persona, personas, project)
    for label, record in samples.items():
        if scoped_elsewhere(record, viewer):
            continue
        policies = policies_for(record)
        for name, policy in policies.items():
            if not is_encrypted(record, name):
                continue
            want = expected(policy, viewer, True, getattr(record, name) is None)
            if want != "revealable":
                with pytest.raises(PermissionDenied):
                    present(record, viewer, "test", reveal=[name], reason="checking the policy")
                continue
            shown = present(record, viewer, "test", reveal=[name], reason="checking the policy")
            assert shown[name].value == f"{SHOWN}-{name}", f"{label}.{name}"
            assert not shown[name].masked
            others = [
                n
                for n in policies
                if n != name and is_encrypted(record, n) and policies[n].reveal_permission
            ]
            assert all(shown[n].masked for n in others), f"{label}: only {name} is opened"


def test_reveal_needs_a_reason_and_is_audited(
    samples: dict[str, models.Model], personas: dict[str, User], project: Project
) -> None:
    feedback = samples["triage.feedback"]
    officer = viewer_of("officer", personas, project)
    with pytest.raises(PermissionDenied):
        present(feedback, officer, "test", reveal=["content"])
    shown = present(feedback, officer, "test", reveal=["content"], reason="follow-up")
    assert shown["content"].value == f"{SHOWN}-content"
    [event] = with_details([AuditEvent.objects.get(action="field.reveal")])
    assert event.fields == ["content"]
    assert event.object_id == str(feedback.pk)
    manager = viewer_of("manager", personas, project)
    with pytest.raises(PermissionDenied):
        present(feedback, manager, "test", reveal=["content"], reason="curious")
    assert AuditEvent.objects.filter(action="field.reveal_denied").count() == 1


def test_present_many_audits_each_record_once(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    records = [make_feedback(f"m{n}") for n in range(5)]
    officer = viewer_of("officer", personas, project)
    shown = present_many(records, officer, "export", reveal=["content"], reason="report")
    assert [s["content"].value for s in shown] == [f"m{n}" for n in range(5)]
    ids = set(AuditEvent.objects.filter(action="field.reveal").values_list("object_id", flat=True))
    assert ids == {str(r.pk) for r in records}


def test_presented_records_are_read_only_and_lead_nowhere(
    samples: dict[str, models.Model], personas: dict[str, User], project: Project
) -> None:
    officer = viewer_of("protection", personas, project)
    for label, record in samples.items():
        shown = present(record, officer, "test")
        with pytest.raises(AttributeError):
            shown.id = "other"
        with pytest.raises(TypeError):
            shown["extra"] = shown[next(iter(shown))]  # type: ignore[index]
        for value in shown.values():
            with pytest.raises(AttributeError):
                value.value = "changed"  # type: ignore[misc]
            assert_frozen(value.value, f"{label}.{value.name}")


def assert_frozen(value: Any, where: str) -> None:
    assert not isinstance(value, models.Model | list | dict | set), where
    assert isinstance(
        value,
        str
        | int
        | float
        | datetime.date
        | datetime.time
        | datetime.timedelta
        | tuple
        | MappingProxyType
        | type(None),
    ), f"{where}: {type(value).__name__}"
    if isinstance(value, tuple):
        for item in value:
            assert_frozen(item, where)
    if isinstance(value, Mapping):
        for item in value.values():
            assert_frozen(item, where)


def test_a_related_row_is_shown_as_its_text(
    samples: dict[str, models.Model], personas: dict[str, User], project: Project
) -> None:
    officer = viewer_of("officer", personas, project)
    shown = present(samples["triage.feedback"], officer, "test")
    assert shown["assignee"].value == "officer"
    assert shown["area"].value == "Test district (XT01)"
    assert shown["sensitivity"].code == "sensitive"
    assert shown["sensitivity"].value == "Protection-sensitive"


def test_the_public_sees_only_public_fields(project: Project) -> None:
    shown = present(project, PUBLIC, "public_form")
    for name, policy in policies_for(project).items():
        assert shown[name].masked == (policy.classification != Classification.PUBLIC)
    with pytest.raises(PermissionDenied):
        present(project, PUBLIC, "test", reveal=["name"], reason="any reason")


def test_a_record_of_another_project_is_refused(
    personas: dict[str, User], project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    outsider = viewer_of("outsider", personas, project)
    with pytest.raises(PermissionDenied):
        present(make_feedback("elsewhere"), outsider, "test")


def test_names_a_presented_record_answers_itself_cannot_be_catalogued() -> None:
    with pytest.raises(ValueError, match="can't be catalogued"):
        declare(Feedback, [FieldPolicy("id", "Id", Classification.INTERNAL)])


def test_two_records_with_the_same_fields_are_not_the_same_record(
    personas: dict[str, User], project: Project
) -> None:
    fields = dict(present(project, viewer_of("officer", personas, project), "test"))
    assert Presented("project", "1", fields) == Presented("project", "1", fields)
    assert Presented("project", "1", fields) != Presented("project", "2", fields)
    assert Presented("project", "1", fields) != Presented("feedback", "1", fields)


def _reply_samples(project: Project, feedback: Feedback, officer: User) -> dict[str, models.Model]:
    """Replies, their templates and call-back attempts (triage.replies): texts and notes
    sealed at rest only, shown to whoever sees the record; templates in clear."""
    now = timezone.now()
    reply = Reply(project=project, feedback=feedback, author=officer, created_at=now)
    reply.text = f"{SHOWN}-text"
    attempt = CallbackAttempt(
        project=project, feedback=feedback, caller=officer, created_at=now, outcome="reached"
    )
    attempt.note = f"{SHOWN}-note"
    template = ReplyTemplate(
        project=project,
        code="received",
        name=f"{SHOWN}-name",
        texts={"fr": f"{SHOWN}-text"},
        updated_at=now,
    )
    return {
        "triage.reply": reply,
        "triage.callbackattempt": attempt,
        "triage.replytemplate": template,
    }


def _duplicate_samples(
    project: Project, feedback: Feedback, officer: User
) -> dict[str, models.Model]:
    """Duplicates, rumour groups, spam flags and verification."""
    from responsemap.triage.duplicates.models import (
        DuplicateLink,
        RumourGroup,
        RumourMember,
        SpamMark,
    )
    from responsemap.triage.verification.models import Verification, VerificationCheck

    now = timezone.now()
    group = RumourGroup(project=project, created_at=now, created_by=officer)
    verification = Verification(
        project=project, feedback=feedback, status="verified", sources_count=2, updated_at=now
    )
    verification.notes = f"{SHOWN}-notes"  # sealed at rest only
    check = VerificationCheck(
        project=project, feedback=feedback, item="source", ticked=True, checked_at=now
    )
    check.note = f"{SHOWN}-note"
    return {
        "triage.duplicatelink": DuplicateLink(
            project=project,
            duplicate=feedback,
            original=feedback,
            kind="hand",
            similarity=0.75,
            created_at=now,
            created_by=officer,
        ),
        "triage.rumourgroup": group,
        "triage.rumourmember": RumourMember(
            group=group, feedback=feedback, received_at=now, kind="birth", added_at=now
        ),
        "triage.spammark": SpamMark(
            feedback=feedback, project=project, reason="rate", marked_at=now
        ),
        "triage.verification": verification,
        "triage.verificationcheck": check,
    }


def _referral_samples(
    project: Project, feedback: Feedback, officer: User
) -> dict[str, models.Model]:
    """Partners, agreements, referrals and disclosure log lines: the note and the
    answer sealed at rest only, shown to whoever may load the referral."""
    from responsemap.projects.sharing.models import AgreementVersion, DataSharingAgreement, Partner
    from responsemap.triage.referrals.models import Disclosure, Referral

    now = timezone.now()
    partner = Partner(project=project, name=f"{SHOWN}-partner", created_at=now)
    agreement = DataSharingAgreement(
        project=project,
        partner=partner,
        purpose=f"{SHOWN}-purpose",
        document_reference=f"{SHOWN}-document",
        fields_allowed=["type_code"],
        types_allowed=["complaint"],
        sectors_allowed=["health"],
        valid_from=now.date(),
        valid_to=now.date(),
        created_at=now,
    )
    referral = Referral(
        project=project,
        feedback=feedback,
        agreement=agreement,
        referred_by=officer,
        referred_at=now,
        updated_at=now,
    )
    referral.note, referral.answer = f"{SHOWN}-note", f"{SHOWN}-answer"
    version = AgreementVersion(
        project=project,
        agreement=agreement,
        number=2,
        purpose=f"{SHOWN}-purpose",
        document_reference=f"{SHOWN}-document",
        fields_allowed=["type_code"],
        types_allowed=["complaint"],
        sectors_allowed=["health"],
        valid_from=now.date(),
        valid_to=now.date(),
        changed_at=now,
        changed_by=officer,
        changed_by_label=f"{SHOWN}-person",
    )
    version.reason = f"{SHOWN}-reason"
    return {
        "projects.partner": partner,
        "projects.datasharingagreement": agreement,
        "projects.agreementversion": version,
        "triage.referral": referral,
        "triage.disclosure": Disclosure(
            project=project,
            agreement=agreement,
            referral=referral,
            reference="D4EN-ACC6",
            kind="viewed",
            fields=["type_code"],
            person=officer,
            person_label=f"{SHOWN}-person",
            at=now,
        ),
    }
