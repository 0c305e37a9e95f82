from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from responsemap.lib.context import RequestContext, reset_current_request, set_current_request


class RequestContextMiddleware:
    """Give every request an id (echoed in ``X-Request-ID``) and remember the client address.

    The address is ``REMOTE_ADDR``; behind a proxy, the proxy must set it (gunicorn's
    ``--forwarded-allow-ips``), so a client can't forge it with a header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = set_current_request(
            RequestContext(request_id=request_id, client_ip=request.META.get("REMOTE_ADDR"))
        )
        try:
            response = self.get_response(request)
        finally:
            reset_current_request(token)
        response["X-Request-ID"] = request_id
        return response
