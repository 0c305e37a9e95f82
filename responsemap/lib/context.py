"""Who is acting, from where: carried for the audit log without threading it through calls."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "responsemap_request",
    default=RequestContext(),  # noqa: B039 (frozen, never mutated)
)


def current_request() -> RequestContext:
    return _current.get()


def set_current_request(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset_current_request(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
