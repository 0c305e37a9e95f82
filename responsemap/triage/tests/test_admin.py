from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db


def test_admin_never_shows_plaintext(
    client_as: Callable[[str], Client], make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback("Admin must not read this", phone="+50937001122", consent_given=True)
    client = client_as("sysadmin")
    for url in (
        "/admin/triage/feedback/",
        f"/admin/triage/feedback/{record.pk}/change/",
        "/admin/intake/contact/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        page = response.content.decode()
        assert "Admin must not read this" not in page
        assert "37001122" not in page
