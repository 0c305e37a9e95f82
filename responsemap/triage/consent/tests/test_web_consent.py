"""The public web form: the notice with who it is shared with and the person's rights,
and one box per purpose — none ticked until the person ticks it; each answer recorded,
an unticked box as a no."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.intake.contacts.models import ConsentNotice, ConsentRecord
from responsemap.intake.messages.send import is_refused
from responsemap.projects.models import Project
from responsemap.triage.models import Feedback
from responsemap.triage.public_guard import issue_form_stamp

pytestmark = pytest.mark.django_db
PHONE = "3712 3456"
PURPOSE_BOXES = ("keep_contact", "follow_up_surveys", "share_with_partners", "publish_aggregates")


def send(project: Project, notice: str = "", **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "stamp": issue_form_stamp(project.pk, timezone.now() - timedelta(seconds=30), notice),
        "website": "",
        "language": "fr",
        "content": "The latrine in block C overflows since Tuesday",
        "area": "",
        "phone": "",
    }
    data.update(overrides)
    url = reverse("public:form", kwargs={"slug": project.slug})
    return Client().post(url, data)


def test_the_page_shows_the_notice_sharing_rights_and_unticked_boxes(
    project: Project, notice: ConsentNotice
) -> None:
    page = Client().get(reverse("public:form", kwargs={"slug": project.slug}) + "?lang=fr")
    html = page.content.decode()
    assert "Nous gardons votre appel" in html
    assert "partenaires de santé" in html
    assert "corriger ou effacer" in html
    for name in PURPOSE_BOXES:
        box = html[html.index(f'name="{name}"') - 60 : html.index(f'name="{name}"') + 60]
        assert 'type="checkbox"' in box
        assert "checked" not in box


def test_each_box_is_its_own_answer_and_an_unticked_one_a_no(
    project: Project, notice: ConsentNotice
) -> None:
    response = send(project, notice.label, phone=PHONE, keep_contact="on", publish_aggregates="on")
    assert response.status_code == 302
    record = Feedback.objects.get()
    assert record.contact is not None
    agreed = ConsentRecord.objects.get(given=True)
    refused = ConsentRecord.objects.get(given=False)
    assert agreed.purposes == ["respond", "publish_aggregates"]
    assert refused.purposes == ["follow_up_surveys", "share_with_partners"]
    assert {agreed.method, refused.method} == {"web_notice"}
    assert {agreed.notice_version, refused.notice_version} == {notice.label}
    assert agreed.contact_id == refused.contact_id == record.contact_id
    assert is_refused(record.contact, "campaign")
    assert not is_refused(record.contact, "reply")


def test_a_survey_alone_keeps_the_number_but_no_answer_is_sent(project: Project) -> None:
    send(project, phone=PHONE, follow_up_surveys="on")
    record = Feedback.objects.get()
    assert record.contact is not None
    assert is_refused(record.contact, "reply")
    assert not is_refused(record.contact, "campaign")


def test_nothing_ticked_keeps_no_number_and_records_a_no_for_each_purpose(
    project: Project,
) -> None:
    send(project, phone=PHONE)
    assert Feedback.objects.get().contact is None
    [refused] = ConsentRecord.objects.all()
    assert not refused.given
    assert refused.purposes == [p.value for p in ConsentRecord.Purpose]
