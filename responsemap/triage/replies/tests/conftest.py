"""Records to reply to, from each kind of source, and the channels they came through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_get_or_create_contact
from responsemap.intake.messages.models import InboundMessage
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import CallInfo
from responsemap.triage.models import Feedback

SMS_PHONE = "+50937123456"
CALLER_PHONE = "+50937123499"


@pytest.fixture
def as_viewer(personas: dict[str, User], project: Project) -> Callable[[str], Viewer]:
    def make(persona: str) -> Viewer:
        viewer = viewer_for(personas[persona], project.pk)
        assert viewer is not None
        return viewer

    return make


@pytest.fixture
def sms_channel(project: Project) -> Channel:
    return do_create_channel(
        project_id=project.pk, kind="kannel", name="Kannel Port-au-Prince", secrets={}
    )


@pytest.fixture
def whatsapp_channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="whatsapp", name="WhatsApp", secrets={})


@pytest.fixture
def from_channel(
    project: Project, make_feedback: Callable[..., Feedback]
) -> Callable[..., Feedback]:
    """A record made from a message received on ``channel`` (as the worker makes it)."""

    def make(channel: Channel, source: str = "sms", **fields: Any) -> Feedback:
        contact, _new = do_get_or_create_contact(
            project_id=project.pk, country="HT", raw_phone=SMS_PHONE, language="fr"
        )
        message = InboundMessage(
            project=project,
            channel=channel,
            provider_message_id=f"m-{InboundMessage.objects.count()}",
            contact=contact,
            received_at=timezone.now(),
        )
        message.text = "Dlo a koupe depi lendi"
        message.save(force_insert=True)
        return make_feedback(
            "Dlo a koupe depi lendi",
            source=source,
            contact=contact,
            inbound_message_id=message.pk,
            language=fields.pop("language", "ht"),
            **fields,
        )

    return make


@pytest.fixture
def hotline_call(make_feedback: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """A hotline record whose caller gave a number and consent, asking to be called back."""

    def make(**fields: Any) -> Feedback:
        return make_feedback(
            "Nobody came to fix the pump",
            source="hotline",
            phone=CALLER_PHONE,
            consent_given=True,
            call=CallInfo(consent_asked=True, consent_answer=True, callback_requested=True),
            **fields,
        )

    return make
