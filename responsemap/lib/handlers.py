"""A WSGI application that sends machine-to-machine paths through a short middleware stack.

A gateway posting thousands of messages a minute needs no session, language, CSRF
token, user or flash message; on the hot inbound path those middleware cost about a
fifth of the CPU of a request (benchmarks/bench_inbound.py, ADR 0005). Paths starting
with one of ``settings.LEAN_PATHS`` are served by a handler built from
``settings.LEAN_MIDDLEWARE``; every other path by Django's ordinary handler. Views
served lean must not need what the skipped middleware give: webhook and health views
only, and they check the ``Host`` header themselves (``request.get_host()``).

Both handlers build requests with ``TextCharsetRequest``: Django takes any charset
``codecs.lookup`` knows as the request's encoding and, while setting it, decodes the
query string with it — so ``Content-Type: text/plain; charset=rot13`` (or zlib,
base64, hex, punycode: codecs that are not text encodings, or fail with other errors
than decoding errors) raised from the request's constructor, before any middleware or
view, as a bare 500. Only a charset of ``lib.charsets`` becomes the encoding; any other
is left for the view to refuse (the webhooks answer 415, ``channels.base.check_encoding``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.wsgi import get_wsgi_application
from django.utils.http import parse_header_parameters
from django.utils.module_loading import import_string

from responsemap.lib.charsets import charset_codec, is_text_encoding

StartResponse = Callable[..., Any]


class TextCharsetRequest(WSGIRequest):
    """A WSGIRequest that takes a declared charset as its encoding only if it is a text
    encoding; the Content-Type's parameters still say what was declared."""

    def _set_content_type_params(self, meta: dict[str, Any]) -> None:
        self.content_type, self.content_params = parse_header_parameters(
            meta.get("CONTENT_TYPE", "")
        )
        codec = charset_codec(self.content_params.get("charset") or "")
        if codec is not None and is_text_encoding(codec):
            self.encoding = codec


class LeanHandler(WSGIHandler):
    """Django's WSGI handler, with its middleware from ``settings.LEAN_MIDDLEWARE``."""

    request_class = TextCharsetRequest

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(settings.LEAN_MIDDLEWARE):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            # The same hooks, in the same order, as BaseHandler.load_middleware.
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class ByPath:
    """Requests whose path starts with one of ``lean_paths`` go to ``lean``, the rest to
    ``main``."""

    def __init__(self, main: Any, lean: Any, lean_paths: Iterable[str]) -> None:
        self.main, self.lean, self.lean_paths = main, lean, tuple(lean_paths)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        path = environ.get("PATH_INFO", "")
        app = self.lean if path.startswith(self.lean_paths) else self.main
        return app(environ, start_response)


def application() -> ByPath:
    main = get_wsgi_application()  # sets Django up
    main.request_class = TextCharsetRequest
    return ByPath(main, LeanHandler(), settings.LEAN_PATHS)
