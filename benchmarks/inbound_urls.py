"""The application's URLs plus ``bench/bare``: a POST answered 200 "ok" with no database
access, the baseline ``bench_inbound`` compares the webhook with (same server, same
middleware, same request bodies)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from benchmarks._inbound_procs import BARE_PATH


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    _ = request.body  # read it, as any endpoint taking a POST does
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path(BARE_PATH.lstrip("/"), bare, name="bench_bare"),
    path("", include("responsemap.urls")),
]
