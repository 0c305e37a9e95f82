"""A clear error page, not a 500, when a project's keys can't be read.

A key fault (``KeyUnavailable``: key directory or file missing or damaged, wrong or
unreadable master key) is on the server's side and usually transient — the operator
fixes a mount, a file or an environment variable. Staff pages (the inbox, a record, a
reveal, the hotline form) then answer 503 with a page that says so in words, and the
operator gets one log line naming the fault (never key material, text or a number).
A destroyed key (``KeyDestroyed``) is final: 410, and the page says the project's data
was destroyed. Webhooks have their own answer (``intake.channels.views``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from responsemap.protection.keystore import KeyDestroyed, KeyUnavailable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "60"


class KeyFaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, KeyUnavailable):
            return None
        destroyed = isinstance(exception, KeyDestroyed)
        if destroyed:
            log.warning("page refused: a project's key was destroyed (%s)", request.path)
        else:
            log.error("project keys unavailable (%s): %s", request.path, exception)
        response = render(
            request,
            "errors/keys_unavailable.html",
            {"destroyed": destroyed},
            status=410 if destroyed else 503,
        )
        if not destroyed:
            response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
