"""The password typed for a reveal holds for RESPONSEMAP_REAUTH_SECONDS, on the clock."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest

from responsemap.accounts.models import User
from responsemap.accounts.reauth import MAX_FAILURES, check_password, recently_authenticated
from responsemap.lib.clock import FakeClock
from responsemap.testing import PASSWORD


def request_for(user: User) -> HttpRequest:
    request = HttpRequest()
    request.session = SessionStore()
    request.user = user
    return request


@pytest.mark.django_db
def test_a_password_typed_holds_for_the_window_only(
    personas: dict[str, User], settings: Any, clock: FakeClock
) -> None:
    settings.RESPONSEMAP_REAUTH_SECONDS = 600
    request = request_for(personas["officer"])
    assert not recently_authenticated(request)
    assert check_password(request, PASSWORD)
    clock.advance(599)
    assert recently_authenticated(request)
    clock.advance(1)
    assert not recently_authenticated(request)


@pytest.mark.django_db
def test_too_many_wrong_passwords_end_the_session(personas: dict[str, User]) -> None:
    request = request_for(personas["officer"])
    for _ in range(MAX_FAILURES - 1):
        assert not check_password(request, "wrong")
    assert request.user.is_authenticated
    assert not check_password(request, "wrong")
    assert not request.user.is_authenticated
