from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responsemap.geo.models import AdminArea
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.models import ConsentRecord, Contact
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.models import AuditEvent
from responsemap.testing import make_project
from responsemap.triage.models import Feedback, PublicFormThrottle
from responsemap.triage.public_guard import client_network, issue_form_stamp, stamped_notice

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]

MESSAGE = "Ti Jan here, the latrine in block C overflows since Tuesday"
PHONE = "3712 3456"  # Haiti, national form
PHONE_DIGITS = ("37123456", "3712 3456", "+50937123456")


def form_url(project: Project, lang: str = "") -> str:
    url = reverse("public:form", kwargs={"slug": project.slug})
    return f"{url}?lang={lang}" if lang else url


def form_data(project: Project, notice: str = "", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "stamp": issue_form_stamp(project.pk, timezone.now() - timedelta(seconds=30), notice),
        "website": "",
        "language": "fr",
        "content": MESSAGE,
        "area": "",
        "phone": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def nothing_stored(project: Project) -> bool:
    return not (
        Feedback.objects.exists()
        or Contact.objects.exists()
        or ConsentRecord.objects.exists()
        or PublicFormThrottle.objects.exists()
        or AuditEvent.objects.filter(action="feedback.create").exists()
    )


def test_form_shows_purpose_notice_and_a_hidden_honeypot(project: Project) -> None:
    do_set_consent_notice(project_id=project.pk, language="fr", text="Ancienne notice")
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notice en vigueur")
    response = Client().get(form_url(project))
    page = response.content.decode()
    assert response.status_code == 200
    assert project.purpose in page
    assert "Notice en vigueur" in page
    assert "Ancienne notice" not in page
    assert '<div class="hp" aria-hidden="true">' in page
    assert 'tabindex="-1"' in page
    assert "<script" not in page
    assert 'name="keep_contact"' in page
    assert "no-store" in response["Cache-Control"]


def test_notice_in_the_chosen_language_else_the_default_one(project: Project) -> None:
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notice en français")
    english = Client().get(form_url(project, "en")).content.decode()
    assert "Notice en français" in english  # no English notice yet: the default language's
    assert 'lang="en"' in english
    do_set_consent_notice(project_id=project.pk, language="en", text="Notice in English")
    english = Client().get(form_url(project, "en")).content.decode()
    assert "Notice in English" in english
    unknown = Client().get(form_url(project, "xx")).content.decode()
    assert '<html lang="fr"' in unknown


def test_right_to_left_language(db: Any) -> None:
    project = make_project("gamma")
    project.languages = ["ar", "en"]
    project.save(update_fields=["languages"])
    page = Client().get(form_url(project)).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_anonymous_sender_with_consent_gets_a_reference(project: Project, area: AdminArea) -> None:
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notice")
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notice v2")
    client = Client()
    page = client.get(form_url(project, "fr")).content.decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', page)
    assert stamp is not None
    # A newer notice published while the person writes: the record names the one they read.
    do_set_consent_notice(project_id=project.pk, language="fr", text="Notice v3")
    backdated = issue_form_stamp(project.pk, timezone.now() - timedelta(seconds=30), "fr-v2")
    assert stamped_notice({"stamp": stamp.group(1)}) == "fr-v2"
    response = client.post(
        form_url(project, "fr"),
        form_data(project, phone=PHONE, keep_contact="on", area=area.pk, stamp=backdated),
    )
    assert response.status_code == 302
    record = Feedback.objects.get(project=project)
    assert record.source == "web"
    assert record.language == "fr"
    assert record.area == area
    assert record.created_by is None
    assert record.contact is not None
    # Being answered ticked; the other purposes' boxes left unticked, recorded as a no.
    consent = ConsentRecord.objects.get(project=project, given=True)
    assert consent.purposes == ["respond"]
    assert ConsentRecord.objects.get(project=project, given=False).notice_version == "fr-v2"
    assert consent.method == "web_notice"
    assert consent.notice_version == "fr-v2"
    assert consent.contact == record.contact

    # POST-redirect-GET: the confirmation is a GET that can be refreshed safely.
    thanks_url = response["Location"]
    assert reverse("public:thanks", kwargs={"slug": project.slug}) in thanks_url
    for _ in range(2):
        thanks = client.get(thanks_url)
        page = thanks.content.decode()
        assert thanks.status_code == 200
        assert record.reference in page
        assert "Gardez ce code" in page  # the project's default language
        assert MESSAGE not in page
        assert "latrine" not in page
        assert not any(digits in page for digits in PHONE_DIGITS)
        assert not any(digits in thanks_url for digits in PHONE_DIGITS)
        assert thanks["Referrer-Policy"] == "no-referrer"
        assert "no-store" in thanks["Cache-Control"]
    assert Feedback.objects.count() == 1

    event = AuditEvent.objects.get(action="feedback.create", object_id=str(record.pk))
    assert event.client_ip is None  # a member of the public leaves no address behind
    assert event.actor_id is None


def test_unticked_box_keeps_no_phone(project: Project) -> None:
    client = Client()
    response = client.post(form_url(project), form_data(project, phone=PHONE), follow=True)
    assert response.status_code == 200
    record = Feedback.objects.get(project=project)
    assert record.contact is None
    assert not Contact.objects.exists()
    consent = ConsentRecord.objects.get(project=project)
    assert consent.given is False
    assert consent.method == "web_notice"
    page = response.content.decode()
    assert record.reference in page
    assert "sans cocher la case" in page
    assert not any(digits in page for digits in PHONE_DIGITS)


def test_message_without_contact_details(project: Project) -> None:
    response = Client().post(form_url(project), form_data(project), follow=True)
    record = Feedback.objects.get(project=project)
    assert record.reference in response.content.decode()
    assert record.contact is None
    assert record.area is None


@pytest.mark.parametrize("status", ["design", "closed", "destroyed"])
def test_only_active_projects_have_a_form(project: Project, status: str) -> None:
    Project.objects.filter(pk=project.pk).update(status=status)
    client = Client()
    # A closed project's form says it is closed (410); the others are not there.
    expected = 410 if status == "closed" else 404
    assert client.get(form_url(project)).status_code == expected
    assert client.post(form_url(project), form_data(project)).status_code == expected
    thanks = reverse("public:thanks", kwargs={"slug": project.slug})
    assert client.get(thanks).status_code == 404
    assert nothing_stored(project)


def test_unknown_project_is_404(db: Any) -> None:
    assert Client().get("/f/no-such-project/").status_code == 404


def test_honeypot_is_refused_politely(project: Project) -> None:
    response = Client().post(form_url(project), form_data(project, website="http://spam.example"))
    assert response.status_code == 400
    assert "pas pu accepter" in response.content.decode()
    assert MESSAGE not in response.content.decode()
    assert nothing_stored(project)


def test_too_fast_is_refused(project: Project) -> None:
    response = Client().post(
        form_url(project), form_data(project, stamp=issue_form_stamp(project.pk))
    )
    assert response.status_code == 400
    assert nothing_stored(project)


def test_minimum_delay_is_a_setting(project: Project, settings: Any) -> None:
    settings.RESPONSEMAP_FORM_MIN_SECONDS = 0
    response = Client().post(
        form_url(project), form_data(project, stamp=issue_form_stamp(project.pk))
    )
    assert response.status_code == 302
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize("stamp", [None, "", "forged:stamp", "other-project"])
def test_missing_forged_or_foreign_stamp_is_refused(
    project: Project, other_project: Project, stamp: str | None
) -> None:
    if stamp == "other-project":
        stamp = issue_form_stamp(other_project.pk, timezone.now() - timedelta(minutes=1))
    data = form_data(project)
    if stamp is None:
        del data["stamp"]
    else:
        data["stamp"] = stamp
    assert Client().post(form_url(project), data).status_code == 400
    assert nothing_stored(project)


def test_expired_form_is_sent_back_with_the_text_kept(project: Project) -> None:
    old = issue_form_stamp(project.pk, timezone.now() - timedelta(hours=3))
    response = Client().post(form_url(project), form_data(project, stamp=old))
    assert response.status_code == 400
    page = response.content.decode()
    assert "resté ouvert longtemps" in page
    assert MESSAGE in page  # the person's own text, back in their own form
    assert old not in page  # a fresh stamp to send again with
    assert nothing_stored(project)


def test_invalid_phone_is_a_form_error(project: Project) -> None:
    response = Client().post(
        form_url(project), form_data(project, phone="call me maybe", keep_contact="on")
    )
    assert response.status_code == 400
    assert "ne pouvons pas lire ce numéro" in response.content.decode()
    assert nothing_stored(project)


def test_empty_message_is_a_form_error(project: Project) -> None:
    response = Client().post(form_url(project), form_data(project, content="   "))
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert nothing_stored(project)


def test_rate_limit_per_address_without_storing_it(project: Project, settings: Any) -> None:
    settings.RESPONSEMAP_FORM_RATE_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.77")
    for _ in range(2):
        assert client.post(form_url(project), form_data(project)).status_code == 302
    limited = client.post(form_url(project), form_data(project))
    assert limited.status_code == 429
    assert "attendre dix minutes" in limited.content.decode()
    assert MESSAGE in limited.content.decode()  # kept in the form, not stored
    assert Feedback.objects.count() == 2

    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(form_url(project), form_data(project)).status_code == 302
    assert Feedback.objects.count() == 3

    rows = list(PublicFormThrottle.objects.values_list("client_key", "count"))
    assert sorted(count for _, count in rows) == [1, 2]
    stored = repr(rows) + repr(list(AuditEvent.objects.values()))
    assert "203.0.113.77" not in stored
    assert "198.51.100.9" not in stored


def test_rate_limit_window_passes(project: Project, settings: Any, clock: FakeClock) -> None:
    settings.RESPONSEMAP_FORM_RATE_LIMIT = 1
    client = Client(REMOTE_ADDR="203.0.113.77")
    assert client.post(form_url(project), form_data(project)).status_code == 302
    assert client.post(form_url(project), form_data(project)).status_code == 429
    clock.advance(11 * 60)
    assert client.post(form_url(project), form_data(project)).status_code == 302
    # The passed window's row is gone; only the new one is left.
    assert PublicFormThrottle.objects.count() == 1


def test_ipv6_addresses_count_per_64_block() -> None:
    assert client_network("2001:db8:1:2::5") == client_network("2001:db8:1:2:ffff::1")
    assert client_network("2001:db8:1:2::5") != client_network("2001:db8:1:3::5")
    assert client_network("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_network(None) == client_network("garbage") == "unknown"


def test_signed_in_outsider_uses_it_like_anyone(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    earlier = make_feedback("An earlier private message")
    client = client_as("outsider")
    page = client.get(form_url(project)).content.decode()
    assert "An earlier private message" not in page
    assert earlier.reference not in page
    response = client.post(form_url(project), form_data(project), follow=True)
    assert response.status_code == 200
    record = Feedback.objects.get(source="web")
    assert record.reference in response.content.decode()
    assert record.created_by is None
    assert "An earlier private message" not in response.content.decode()


def test_confirmation_needs_a_valid_receipt_for_this_project(
    project: Project, other_project: Project
) -> None:
    response = Client().post(form_url(project), form_data(project))
    receipt_url = response["Location"]
    reference = Feedback.objects.get().reference
    thanks = reverse("public:thanks", kwargs={"slug": project.slug})

    tampered = Client().get(receipt_url.replace("r=", "r=x"))
    assert tampered.status_code == 404
    assert reference not in tampered.content.decode()
    assert Client().get(thanks).status_code == 404

    elsewhere = receipt_url.replace(f"/f/{project.slug}/", f"/f/{other_project.slug}/")
    foreign = Client().get(elsewhere)
    assert foreign.status_code == 404
    assert reference not in foreign.content.decode()


def test_confirmation_expires(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    receipt_url = Client().post(form_url(project), form_data(project))["Location"]
    reference = Feedback.objects.get().reference
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600)
    response = Client().get(receipt_url)
    assert response.status_code == 404
    assert reference not in response.content.decode()
    assert "plus disponible" in response.content.decode()


def test_area_picker_groups_by_parent_in_the_page_language(project: Project) -> None:
    region = AdminArea.objects.create(
        project=project, pcode="XR1", name="Nord", names={"en": "North"}, level=1
    )
    AdminArea.objects.create(project=project, pcode="XR1-2", name="Cap", level=2, parent=region)
    page = Client().get(form_url(project, "en")).content.decode()
    assert '<optgroup label="North">' in page
    assert ">Cap</option>" in page
    assert "XR1" not in page  # P-codes mean nothing to the public
    french = Client().get(form_url(project, "fr")).content.decode()
    assert '<optgroup label="Nord">' in french

    child = AdminArea.objects.get(pcode="XR1-2")
    Client().post(form_url(project), form_data(project, area=child.pk))
    assert Feedback.objects.get().area == child
    bad = Client().post(form_url(project), form_data(project, area="999999"))
    assert bad.status_code == 400
    assert Feedback.objects.count() == 1


def test_form_page_is_light_and_its_queries_do_not_grow_with_areas(
    project: Project, django_assert_max_num_queries: Callable[[int], Any]
) -> None:
    for n in range(40):
        AdminArea.objects.create(project=project, pcode=f"XA{n}", name=f"Area {n}", level=1)
    client = Client()
    with django_assert_max_num_queries(3):
        response = client.get(form_url(project))
    assert len(response.content) < 12_000
