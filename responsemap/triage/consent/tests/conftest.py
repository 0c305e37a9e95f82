"""A project with a consent notice, an SMS channel, and a record whose sender left a
number (a hotline call that agreed to be answered)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.intake.channels.actions import do_create_channel
from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.models import ConsentNotice
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import CallInfo
from responsemap.triage.models import Feedback

CALLER = "+50937123499"


@pytest.fixture
def as_viewer(personas: dict[str, User], project: Project) -> Callable[[str], Viewer]:
    def make(persona: str) -> Viewer:
        viewer = viewer_for(personas[persona], project.pk)
        assert viewer is not None
        return viewer

    return make


@pytest.fixture
def notice(project: Project) -> ConsentNotice:
    return do_set_consent_notice(
        project_id=project.pk,
        language="fr",
        text="Nous gardons votre appel pour vous répondre.",
        sharing="Avec les partenaires de santé, seulement si vous êtes d'accord.",
        rights="Vous pouvez demander à voir, corriger ou effacer vos données.",
    )


@pytest.fixture
def sms_channel(project: Project) -> Channel:
    return do_create_channel(project_id=project.pk, kind="kannel", name="Kannel", secrets={})


@pytest.fixture
def caller_record(make_feedback: Callable[..., Feedback]) -> Feedback:
    """A hotline call whose caller agreed to be answered (the old, single answer)."""
    return make_feedback(
        "Pa gen dlo nan kan an",
        source="hotline",
        phone=CALLER,
        language="fr",
        consent_given=True,
        call=CallInfo(consent_asked=True, consent_answer=True),
    )
