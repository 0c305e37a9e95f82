"""The application's URLs plus two references for ``bench_inbound``, never in the
application's URLs:

- ``bench/bare``: a POST answered 200 "ok" with no database access (same server, same
  middleware as every page, same request bodies): the baseline the webhook is compared
  with.
- ``bench/floor``: what any webhook that stores before it answers costs at the least
  here: the webhooks' short middleware stack (``settings.LEAN_PATHS``), the body
  written to a scratch table by one prepared INSERT in autocommit, a JSON answer. No
  signature, parsing, phone number, encryption, blind index or audit.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from benchmarks._inbound_procs import BARE_PATH, FLOOR_PATH
from responsemap.lib import rawsql

FLOOR_TABLE = "bench_floor"


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    _ = request.body  # read it, as any endpoint taking a POST does
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def floor(request: HttpRequest) -> HttpResponse:
    with rawsql.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s)", [request.body])  # noqa: S608
    return JsonResponse({"ok": True, "stored": 1})


def create_floor_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial PRIMARY KEY, body bytea)"
        )


urlpatterns = [
    path(BARE_PATH.lstrip("/"), bare, name="bench_bare"),
    path(FLOOR_PATH.lstrip("/"), floor, name="bench_floor"),
    path("", include("responsemap.urls")),
]
