"""Test helpers for SMS alerts to staff phones: a project whose alerts are texted through
a Kannel channel, sendsms answered by ``responses`` (the outbound tests' double; the
real gateway runs in tests/kannel/), and staff phones verified the way a person does it
(the code texted to them, typed back)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

import responses

from responsemap.accounts.models import StaffPhone, User
from responsemap.accounts.phones.actions import do_confirm_staff_phone, do_set_staff_phone
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.projects.models import Project
from responsemap.triage.alerts.models import (
    DEFAULT_ALERT_ROLES,
    DEFAULT_ALERT_URGENCIES,
    DEFAULT_ESCALATION_ROLES,
    AlertPolicy,
)

SENDSMS_URL = "http://127.0.0.1:13013/cgi-bin/sendsms"
SECRETS = {
    "secret": "kannel-shared-secret-0123",
    "username": "responsemap",
    "password": "sendsms-password",
}
# Invented numbers (Haitian mobile ranges), one per persona.
STAFF_NUMBERS = {
    "officer": "+50937110011",
    "protection": "+50937110022",
    "manager": "+50937110033",
    "operator": "+50937110044",
}


@dataclass(frozen=True)
class Sent:
    to: str
    text: str


def sms_channel(project: Project, name: str = "Kannel") -> Channel:
    return do_create_channel(
        project_id=project.pk,
        kind="kannel",
        name=name,
        address="4545",
        config={"sendsms_url": SENDSMS_URL},
        secrets=SECRETS,
        send_rate=100.0,
    )


def texting_policy(project: Project, channel: Channel, **fields: Any) -> AlertPolicy:
    """The default policy (a row's lists start empty), texting through ``channel``."""
    values: dict[str, Any] = {
        "alert_urgencies": list(DEFAULT_ALERT_URGENCIES),
        "alert_roles": list(DEFAULT_ALERT_ROLES),
        "escalation_roles": list(DEFAULT_ESCALATION_ROLES),
        "sms_enabled": True,
        "sms_channel": channel,
    }
    return AlertPolicy.objects.create(project=project, **(values | fields))


def gateway(rsps: responses.RequestsMock, status: int = 202) -> None:
    rsps.get(SENDSMS_URL, body="0: Accepted for delivery", status=status)


def sent(rsps: responses.RequestsMock) -> list[Sent]:
    """What went to sendsms, in order: the number and the text."""
    out = []
    for call in rsps.calls:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(call.request.url)).query)
        out.append(Sent(to=query["to"][0], text=query["text"][0]))
    return out


def code_in(text: str) -> str:
    return next(word.strip(".") for word in text.split() if word.strip(".").isdigit())


def verify_phone(user: User, number: str, language: str = "en") -> StaffPhone:
    """Record ``number`` for ``user`` and type back the code texted to it (through the
    alert channel of one of their projects, answered by a ``responses`` of its own)."""
    with responses.RequestsMock() as rsps:
        gateway(rsps)
        do_set_staff_phone(user, number, language)
        [message] = sent(rsps)
    assert message.to == number
    assert do_confirm_staff_phone(user, code_in(message.text))
    return StaffPhone.objects.get(user=user)
