"""Reply templates: per language, placeholders, fallback; the manager's screens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info

from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import WorkflowRefused
from responsemap.triage.models import Feedback
from responsemap.triage.replies.actions import do_reply_to_feedback, do_save_reply_template
from responsemap.triage.replies.filling import fill_for, sms_segments
from responsemap.triage.replies.models import ReplyTemplate

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
ViewerFor = Callable[[str], Viewer]
TEMPLATE_LIST_QUERIES = 7  # session, user, membership and role, project, count, page
TEXTS = {
    "fr": "Merci. Votre message {reference} est « {status} » — {project}.",
    "en": "Thank you. Your message {reference} is “{status}” — {project}.",
}


def template(project: Project, texts: dict[str, str] | None = None) -> ReplyTemplate:
    row = ReplyTemplate(
        project=project, code="received", name="Received", updated_at=timezone.now()
    )
    row.texts = texts or TEXTS
    row.save()
    return row


def test_filled_in_the_records_language(
    project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(language="en")
    language, text = fill_for(template(project), record, project)
    assert language == "en"
    assert text == f"Thank you. Your message {record.reference} is “New” — {project.name}."


def test_falls_back_to_the_projects_default_language_translated_status(
    project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(language="ht")  # no Creole text: the project's default (fr)
    language, text = fill_for(template(project), record, project)
    assert language == "fr"
    assert record.reference in text
    assert "« Nouveau »" in text or "« New »" in text  # the status, in French once translated


def test_falls_back_to_any_text_when_neither_language_has_one(
    project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback(language="ar")
    language, text = fill_for(template(project, {"es": "Gracias {reference}"}), record, project)
    assert (language, text) == ("es", f"Gracias {record.reference}")


def test_only_the_three_placeholders_are_filled(
    project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("Jak Pierre wrote this", language="fr")
    texts = {"fr": "{reference} {content} {name} {0} {project.organisation} {status!r}"}
    _language, text = fill_for(template(project, texts), record, project)
    assert text.startswith(record.reference)
    assert "{content} {name} {0} {project.organisation} {status!r}" in text
    assert "Jak" not in text


def test_sms_segments() -> None:
    assert sms_segments("") == (0, 0)
    assert sms_segments("a" * 160) == (160, 1)
    assert sms_segments("a" * 161) == (161, 2)
    assert sms_segments("€" * 80) == (80, 1)  # two units each
    assert sms_segments("€" * 81) == (81, 2)
    assert sms_segments("ش" * 70) == (70, 1)  # UCS-2
    assert sms_segments("ش" * 71) == (71, 2)
    assert sms_segments("ش" * 135) == (135, 3)


def test_the_record_page_offers_templates_filled_for_it(
    client_as: ClientFor,
    project: Project,
    sms_channel: Channel,
    from_channel: Callable[..., Feedback],
    as_viewer: ViewerFor,
) -> None:
    template(project)
    record = from_channel(sms_channel, language="en")
    page = client_as("officer").get(reverse("triage:detail", args=[project.slug, record.pk]))
    body = page.content.decode()
    assert f"Your message {record.reference} is" in body
    assert "Received (English)" in body
    do_reply_to_feedback(as_viewer("officer"), record.pk, "Thank you", template="received")
    assert record.replies.get().template_code == "received"


def test_a_manager_adds_and_changes_a_template(client_as: ClientFor, project: Project) -> None:
    client = client_as("manager")
    new = reverse("triage:reply_template_new", args=[project.slug])
    assert client.get(new).status_code == 200
    response = client.post(
        new, {"code": "received", "name": "Received", "is_active": "on", "text_fr": "Merci"}
    )
    assert response.status_code == 302
    row = ReplyTemplate.objects.get(project=project)
    assert row.texts == {"fr": "Merci"}
    edit = reverse("triage:reply_template_edit", args=[project.slug, row.pk])
    assert "Merci" in client.get(edit).content.decode()
    client.post(edit, {"code": "received", "name": "Reçu", "text_en": "Thanks {reference}"})
    row.refresh_from_db()
    assert (row.name, row.texts, row.is_active) == ("Reçu", {"en": "Thanks {reference}"}, False)
    assert AuditEvent.objects.filter(action="reply_template.save").count() == 2
    listing = client.get(reverse("triage:reply_templates", args=[project.slug]))
    assert "Reçu" in listing.content.decode()


def test_editing_keeps_a_text_in_a_language_outside_the_projects(
    client_as: ClientFor, project: Project
) -> None:
    row = template(project, {"fr": "Merci", "ar": "شكرا {reference}"})
    client = client_as("manager")
    edit = reverse("triage:reply_template_edit", args=[project.slug, row.pk])
    page = client.get(edit).content.decode()
    assert "شكرا {reference}" in page
    form = {"code": "received", "name": "Received", "is_active": "on"}
    client.post(edit, {**form, "text_fr": "Merci !", "text_ar": "شكرا {reference}"})
    row.refresh_from_db()
    assert row.texts == {"fr": "Merci !", "ar": "شكرا {reference}"}
    listing = client.get(reverse("triage:reply_templates", args=[project.slug]))
    assert get_language_info("ar")["name_local"] in listing.content.decode()  # never "ar"


def test_a_template_without_text_or_with_a_taken_code_is_refused(
    client_as: ClientFor, project: Project
) -> None:
    template(project)
    client = client_as("manager")
    new = reverse("triage:reply_template_new", args=[project.slug])
    assert client.post(new, {"code": "other", "name": "Other"}).status_code == 400
    assert client.post(new, {"code": "received", "name": "X", "text_fr": "x"}).status_code == 400
    assert ReplyTemplate.objects.count() == 1


@pytest.mark.parametrize(
    "persona", ["operator", "officer", "protection", "partner", "donor", "outsider", "sysadmin"]
)
def test_only_managers_see_or_change_templates(
    persona: str, client_as: ClientFor, project: Project, as_viewer: ViewerFor
) -> None:
    row = template(project)
    client = client_as(persona)
    for url in (
        reverse("triage:reply_templates", args=[project.slug]),
        reverse("triage:reply_template_new", args=[project.slug]),
        reverse("triage:reply_template_edit", args=[project.slug, row.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"code": "x", "name": "x", "text_fr": "x"}).status_code == 404
    row.refresh_from_db()
    assert row.texts == TEXTS
    assert ReplyTemplate.objects.count() == 1
    assert not AuditEvent.objects.filter(action="reply_template.save").exists()
    if persona in ("officer", "protection"):
        with pytest.raises(WorkflowRefused):
            do_save_reply_template(as_viewer(persona), code="x", name="x", texts={"fr": "x"})


def test_another_projects_template_is_a_404(
    client_as: ClientFor, project: Project, other_project: Project
) -> None:
    theirs = template(other_project)
    url = reverse("triage:reply_template_edit", args=[project.slug, theirs.pk])
    assert client_as("manager").get(url).status_code == 404


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_template_list_costs_the_same_queries_for_1_or_30(
    client_as: ClientFor, project: Project
) -> None:
    client = client_as("manager")
    url = reverse("triage:reply_templates", args=[project.slug])
    template(project)
    one = queries_of(client, url)
    for n in range(30):
        row = ReplyTemplate(project=project, code=f"t{n}", name=f"T{n}", updated_at=timezone.now())
        row.texts = {"fr": "x"}
        row.save()
    assert queries_of(client, url) == one == TEMPLATE_LIST_QUERIES
