"""A staff member's phone for SMS alerts: recorded on their own page, sealed, shown
masked, used only once the code texted to it has come back; the code is limited in
time, tries and resends; nothing of the number reaches a page, an event or a log."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import responses
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import StaffPhone, User
from responsemap.accounts.phones.actions import (
    DAILY_CODES,
    KIND,
    MAX_CODES,
    MAX_TRIES,
    CodeSent,
    do_confirm_staff_phone,
    do_remove_staff_phone,
    do_send_staff_phone_code,
    do_set_staff_phone,
)
from responsemap.intake.channels.models import Channel
from responsemap.lib.clock import FakeClock
from responsemap.projects.models import Project
from responsemap.protection.keyring import DecryptionError
from responsemap.protection.models import AuditEvent
from responsemap.protection.staff_data import open_staff_value
from responsemap.triage.alerts.tests.staff_phones import (
    code_in,
    gateway,
    sent,
    sms_channel,
    texting_policy,
    verify_phone,
)

pytestmark = pytest.mark.django_db
NUMBER = "+50937123456"
PAGE = "accounts_phone:phone"


@pytest.fixture
def texting(project: Project) -> Channel:
    channel = sms_channel(project)
    texting_policy(project, channel)
    return channel


def no_number_anywhere(number: str) -> None:
    for event in AuditEvent.objects.all():
        whole = f"{event.fields} {event.reason} {event.object_id} {event.purpose}"
        assert number not in whole
        assert number[4:] not in whole


def test_a_number_is_sealed_and_used_only_once_confirmed(
    personas: dict[str, User], texting: Channel, clock: FakeClock
) -> None:
    officer = personas["officer"]
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        assert do_set_staff_phone(officer, NUMBER, "fr") is CodeSent.SENT
        [message] = sent(rsps)
    assert message.to == NUMBER
    assert "code" in message.text  # in French: "votre code …" once translated
    phone = StaffPhone.objects.get(user=officer)
    assert phone.verified_at is None
    assert NUMBER.encode() not in bytes(phone.number)
    assert NUMBER[4:].encode() not in bytes(phone.number)
    assert phone.masked == "+509 •••• ••56"
    assert phone.language == "fr"
    # Sealed for its own row: another person's row id does not open it.
    with pytest.raises(DecryptionError):
        open_staff_value(KIND, personas["manager"].pk, bytes(phone.number), purpose="test")
    assert open_staff_value(KIND, officer.pk, bytes(phone.number), purpose="test") == NUMBER

    assert not do_confirm_staff_phone(
        officer, "000000" if code_in(message.text) != "000000" else "1"
    )
    assert do_confirm_staff_phone(officer, code_in(message.text))
    phone.refresh_from_db()
    assert phone.verified_at == clock.now()
    assert phone.code_digest == ""
    actions = list(
        AuditEvent.objects.filter(object_type="user", object_id=str(officer.pk))
        .order_by("created_at", "seq")
        .values_list("action", "chain")
    )
    assert actions == [
        ("staff_phone.set", "system"),
        ("staff_phone.code_send", "system"),
        ("staff_phone.verify", "system"),
    ]
    assert AuditEvent.objects.filter(
        action="staff_sms.code_send", project_id=texting.project_id
    ).exists()
    no_number_anywhere(NUMBER)


def test_the_code_expires_and_runs_out_of_tries(
    personas: dict[str, User], texting: Channel, clock: FakeClock
) -> None:
    officer = personas["officer"]
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        do_set_staff_phone(officer, NUMBER, "en")
        code = code_in(sent(rsps)[0].text)
    clock.advance(11 * 60)
    assert not do_confirm_staff_phone(officer, code)  # expired

    with responses.RequestsMock() as rsps:
        gateway(rsps)
        assert do_send_staff_phone_code(officer) is CodeSent.SENT
        code = code_in(sent(rsps)[0].text)
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(MAX_TRIES):
        assert not do_confirm_staff_phone(officer, wrong)
    assert not do_confirm_staff_phone(officer, code)  # too many tries: even the right one
    assert StaffPhone.objects.get(user=officer).verified_at is None
    assert AuditEvent.objects.filter(action="staff_phone.verify_refused").count() == 1


def test_new_codes_are_limited(
    personas: dict[str, User], texting: Channel, clock: FakeClock
) -> None:
    officer = personas["officer"]
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        do_set_staff_phone(officer, NUMBER, "en")
        assert do_send_staff_phone_code(officer) is CodeSent.TOO_SOON
        for _ in range(MAX_CODES - 1):
            clock.advance(61)
            assert do_send_staff_phone_code(officer) is CodeSent.SENT
        clock.advance(61)
        assert do_send_staff_phone_code(officer) is CodeSent.TOO_MANY
        assert len(sent(rsps)) == MAX_CODES


def test_no_code_without_a_project_that_texts_alerts(
    personas: dict[str, User], project: Project
) -> None:
    # A Kannel channel, but SMS alerts are off (the default): no code goes out.
    sms_channel(project)
    officer = personas["officer"]
    with responses.RequestsMock() as rsps:
        assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.NO_WAY
        assert len(rsps.calls) == 0
    phone = StaffPhone.objects.get(user=officer)
    assert (phone.code_digest, phone.codes_sent, phone.verified_at) == ("", 0, None)
    # The outsider's project texts alerts, but the officer is no member of it.
    assert not do_confirm_staff_phone(officer, "123456")


def test_a_refused_code_is_not_kept(personas: dict[str, User], texting: Channel) -> None:
    officer = personas["officer"]
    with responses.RequestsMock() as rsps:
        gateway(rsps, status=403)
        assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.NO_WAY
    assert StaffPhone.objects.get(user=officer).code_digest == ""


def test_a_new_number_must_be_confirmed_again_and_removal_forgets_it(
    personas: dict[str, User], texting: Channel, clock: FakeClock
) -> None:
    officer = personas["officer"]
    verify_phone(officer, NUMBER)
    clock.advance(61)
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        do_set_staff_phone(officer, "+50937654321", "en")
    assert StaffPhone.objects.get(user=officer).verified_at is None
    assert do_remove_staff_phone(officer)
    assert not StaffPhone.objects.filter(user=officer).exists()
    assert not do_remove_staff_phone(officer)
    assert AuditEvent.objects.filter(action="staff_phone.remove").count() == 1


def test_the_page_shows_the_number_masked_and_only_ones_own(
    personas: dict[str, User],
    texting: Channel,
    client_as: Callable[[str], Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_as("officer")
    assert client.get(reverse(PAGE)).status_code == 200
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        answer = client.post(
            reverse(PAGE), {"number": "+509 3712 3456", "language": "en"}, follow=True
        )
        code = code_in(sent(rsps)[0].text)
    page = answer.content.decode()
    assert "+509 •••• ••56" in page
    assert "Not confirmed yet" in page
    for piece in (NUMBER, "3712 3456", "37123456", code):
        assert piece not in page
    confirmed = client.post(reverse("accounts_phone:confirm"), {"code": code}, follow=True)
    assert "Confirmed on" in confirmed.content.decode()
    # Another person sees their own (empty) page, never the officer's number.
    other = client_as("manager").get(reverse(PAGE)).content.decode()
    assert "••56" not in other
    for record in caplog.records:
        assert NUMBER not in record.getMessage()
        assert code not in record.getMessage()
    no_number_anywhere(NUMBER)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("37123456", "country code"),
        ("+50922123456", "landline"),
        ("+509 12", "not a valid"),
    ],
)
def test_only_a_mobile_in_international_form(
    personas: dict[str, User], client_as: Callable[[str], Client], typed: str, error: str
) -> None:
    answer = client_as("officer").post(reverse(PAGE), {"number": typed, "language": "en"})
    assert answer.status_code == 400
    assert error in answer.content.decode()
    assert not StaffPhone.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(db: object) -> None:
    for name in ("phone", "confirm", "resend", "remove"):
        answer = Client().post(reverse(f"accounts_phone:{name}"))
        assert answer.status_code == 302
        assert "/accounts/login/" in answer["Location"]
    assert not StaffPhone.objects.exists()


def test_recording_the_number_again_or_removing_it_does_not_lift_the_code_limits(
    personas: dict[str, User], texting: Channel, clock: FakeClock
) -> None:
    # The page must not text a number over and over: recording it again (or removing
    # it and recording it again) waits out the minute, and a person gets at most
    # DAILY_CODES codes a day across all their numbers.
    officer = personas["officer"]
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.SENT
        assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.TOO_SOON
        do_remove_staff_phone(officer)
        assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.TOO_SOON
        for _ in range(DAILY_CODES - 1):
            clock.advance(61)
            assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.SENT
        clock.advance(61)
        assert do_set_staff_phone(officer, NUMBER, "en") is CodeSent.DAY_LIMIT
        do_remove_staff_phone(officer)
        assert do_set_staff_phone(officer, "+50937654321", "en") is CodeSent.DAY_LIMIT
        assert len(sent(rsps)) == DAILY_CODES
        clock.advance(24 * 3600)
        assert do_send_staff_phone_code(officer) is CodeSent.SENT


def test_a_number_recorded_again_within_the_minute_says_to_ask_for_a_code_later(
    personas: dict[str, User],
    texting: Channel,
    client_as: Callable[[str], Client],
    clock: FakeClock,
) -> None:
    client = client_as("officer")
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        client.post(reverse(PAGE), {"number": NUMBER, "language": "en"})
        page = client.post(reverse(PAGE), {"number": "+50937654321", "language": "en"}, follow=True)
        assert len(sent(rsps)) == 1
    assert "ask for a new code" in page.content.decode()
    assert StaffPhone.objects.get(user=personas["officer"]).code_digest == ""
