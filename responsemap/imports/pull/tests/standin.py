"""A local stand-in for KoboToolbox and ODK Central: a real HTTP server in a thread that
answers the requests a pull makes with the shapes the servers document.

Shapes, from the public documentation:
- KoboToolbox API v2 data endpoint, ``GET /api/v2/assets/{uid}/data/?format=json``:
  ``{"count", "next", "previous", "results": [...]}``, paged with ``start``/``limit``
  and filtered with a MongoDB ``query`` on ``_submission_time``
  (kobotoolbox/kpi, kpi/docs/api/v2/data/list.md); each result carries ``_id``,
  ``_uuid``, ``_submission_time`` (UTC, no zone), ``_geolocation`` ([lat, lon]),
  ``_attachments``, ``_status``, ``_tags``, ``_notes``, ``_validation_status``,
  ``_submitted_by``, ``__version__``, ``_xform_id_string``, ``formhub/uuid``,
  ``meta/instanceID`` and the answers under their group paths with "/"
  (kobotoolbox/kpi, jsapp/js/dataInterface.ts, ``SubmissionResponse``).
- ODK Central, ``POST /v1/sessions`` (``{email, password}`` → ``{createdAt, expiresAt,
  token}``) and the OData data document ``GET /v1/projects/{p}/forms/{f}.svc/Submissions``
  with ``$top``, ``$skip``, ``$count`` and ``$filter=__system/submissionDate ge …``:
  ``{"@odata.context", "value": [...], "@odata.count", "@odata.nextLink"}``, each row
  with ``__id``, ``__system`` {submissionDate, updatedAt, submitterId, submitterName,
  attachmentsPresent, attachmentsExpected, status, reviewState, deviceId, edits,
  formVersion, deletedAt}, groups as nested objects, GPS as GeoJSON and a repeat as an
  ``…@odata.navigationLink`` (getodk/central-backend, docs/api.yaml "Logging in" and
  "Data Document"; lib/data/odata.js for ``__system``).
- Repeat groups: Kobo nests them in the submission as a list of objects whose keys
  carry the repeat's path (``"comments": [{"comments/comment": …}]``, as
  kobotoolbox/kpi's ``SubmissionResponse`` and its exports read them); ODK Central
  serves each repeat as its own table, ``Submissions.<repeat>``, reached from a
  submission by ``Submissions('<id, URL-encoded>')/<repeat>`` (its navigation link),
  each row with ``__id`` (a hash) and ``__Submissions-id`` (the submission's id)
  (docs.getodk.org, "OData Endpoints"; central-backend lib/formats/odata.js).
- Nested repeats (a repeat inside a repeat), as this stand-in serves them: Kobo, a
  list inside each item, keyed by the full path (``households/members/age``); ODK, a
  navigation link on the outer repeat's row (``Submissions('…')/households('<row
  id>')/members``) to rows carrying ``__Submissions-households-id``. The client follows
  whatever link a row gives, so the link's exact form is not relied on.
The submissions themselves are invented.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

KOBO_TOKEN = "kobo-token-0123456789abcdef"  # noqa: S105 (invented)
ODK_EMAIL = "manager@example.org"
ODK_PASSWORD = "odk-password-1"  # noqa: S105 (invented)
ASSET_UID = "aXecHjmbATuF6iGFmvBLBX"


def kobo_submission(n: int, when: datetime, **answers: Any) -> dict[str, Any]:
    uuid = f"0b6a2d1e-5c3f-4a7b-9d1e-{n:012d}"
    row: dict[str, Any] = {
        "_id": 1000 + n,
        "formhub/uuid": "4bd4f1a0b7e94a2a9a1c0f0d6c3b2a10",
        "start": when.strftime("%Y-%m-%dT%H:%M:%S.000-05:00"),
        "end": when.strftime("%Y-%m-%dT%H:%M:%S.000-05:00"),
        "deviceid": "enketo.kobotoolbox.org:Xy12",
        "phonenumber": "",
        "group_feedback/message": f"The water point in block {n} is broken",
        "group_feedback/type": "complaint",
        "group_feedback/sector": "wash",
        "respondent/gender": "female",
        "location": "18.5392 -72.335 40.0 5.0",
        "__version__": "vWvkKzNE8xCtfApJvabfjG",
        "meta/instanceID": f"uuid:{uuid}",
        "_xform_id_string": ASSET_UID,
        "_uuid": uuid,
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [18.5392, -72.335],
        "_submission_time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": None,
    }
    row.update(answers)
    return row


def odk_submission(n: int, when: datetime, **answers: Any) -> dict[str, Any]:
    uuid = f"uuid:85cb9aff-005e-4edd-9739-{n:012d}"
    row: dict[str, Any] = {
        "__id": uuid,
        "__system": {
            "submissionDate": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "updatedAt": None,
            "submitterId": "5",
            "submitterName": "Enumerator 5",
            "attachmentsPresent": 0,
            "attachmentsExpected": 0,
            "status": None,
            "reviewState": None,
            "deviceId": "collect:Ab12Cd34",
            "edits": 0,
            "formVersion": "2024031401",
            "deletedAt": None,
        },
        "meta": {"instanceID": uuid},
        "feedback": {
            "message": f"Quand aura lieu la distribution au site {n} ?",
            "type": "question",
        },
        "respondent": {"gender": "male"},
        "location": {
            "type": "Point",
            "coordinates": [-72.335, 18.5392, 40.0],
            "properties": {"accuracy": 5.0},
        },
        "items@odata.navigationLink": f"Submissions('{quote(uuid, safe='')}')/items",
    }
    row.update(answers)
    return row


@dataclass
class StandIn:
    """What the stand-in serves and what it was asked."""

    kobo: list[dict[str, Any]] = field(default_factory=list)
    odk: list[dict[str, Any]] = field(default_factory=list)
    # path prefix → status to answer instead (401, 404, 500…)
    fail: dict[str, int] = field(default_factory=dict)
    # path prefix → never answer (the client times out)
    hang: set[str] = field(default_factory=set)
    # ODK: submission id → repeat name → its rows' answers (the repeat's tables)
    odk_repeats: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    base: str = ""
    release: threading.Event = field(default_factory=threading.Event)


def _since(raw: str) -> datetime | None:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).replace(tzinfo=UTC) if raw else None


class Handler(BaseHTTPRequestHandler):
    state: StandIn

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet tests

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _intercepted(self) -> bool:
        path = urlsplit(self.path).path
        self.state.requests.append((self.command, self.path))
        for prefix in self.state.hang:
            if path.startswith(prefix):
                self.state.release.wait(5)
                return True
        for prefix, status in self.state.fail.items():
            if path.startswith(prefix):
                self._answer(status, {"detail": "refused", "code": f"{status}.1"})
                return True
        return False

    def do_GET(self) -> None:
        if self._intercepted():
            return
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == f"/api/v2/assets/{ASSET_UID}/data/":
            self._kobo(query)
        elif url.path.startswith("/api/v2/assets/"):
            self._answer(404, {"detail": "Not found."})
        elif url.path == "/v1/projects/7/forms/feedback.svc/Submissions":
            self._odk(query)
        elif found := ODK_REPEAT.match(url.path):
            self._odk_repeat(unquote(found["id"]), found["repeat"])
        elif found := ODK_NESTED.match(url.path):
            self._odk_nested(unquote(found["id"]), found["repeat"], found["row"], found["nested"])
        elif url.path.startswith("/v1/projects/"):
            self._answer(404, {"code": "404.1", "message": "Could not find the resource."})
        else:
            self._answer(404, {})

    def do_POST(self) -> None:
        if self._intercepted():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/v1/sessions":
            if body == {"email": ODK_EMAIL, "password": ODK_PASSWORD}:
                token = f"session{len(self.state.sessions) + 1}AbCdEfGh"
                self.state.sessions.add(token)
                self._answer(
                    200,
                    {
                        "createdAt": "2024-03-14T03:04:51.695Z",
                        "expiresAt": "2024-03-15T03:04:51.695Z",
                        "token": token,
                    },
                )
            else:
                self._answer(401, {"code": "401.2", "message": "Could not authenticate."})
        else:
            self._answer(404, {})

    def do_DELETE(self) -> None:
        if self._intercepted():
            return
        token = self.path.rsplit("/", 1)[-1]
        self.state.sessions.discard(token)
        self._answer(200, {"success": True})

    def _kobo(self, query: dict[str, str]) -> None:
        if self.headers.get("Authorization") != f"Token {KOBO_TOKEN}":
            self._answer(401, {"detail": "Invalid token."})
            return
        rows = self.state.kobo
        if "query" in query:
            since = json.loads(query["query"])["_submission_time"]["$gte"]
            rows = [r for r in rows if r["_submission_time"] >= since]
        start, limit = int(query.get("start", 0)), int(query.get("limit", 100))
        page = rows[start : start + limit]
        path = f"/api/v2/assets/{ASSET_UID}/data/"

        def link(at: int) -> str:
            return f"{self.state.base}{path}?{urlencode({**query, 'start': at, 'limit': limit})}"

        self._answer(
            200,
            {
                "count": len(rows),
                "next": link(start + limit) if start + limit < len(rows) else None,
                "previous": link(max(0, start - limit)) if start else None,
                "results": page,
            },
        )

    def _odk(self, query: dict[str, str]) -> None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in self.state.sessions:
            self._answer(401, {"code": "401.2", "message": "Could not authenticate."})
            return
        rows = self.state.odk
        if "$filter" in query:
            field_name, op, value = query["$filter"].split(" ", 2)
            assert (field_name, op) == ("__system/submissionDate", "ge")
            since = _since(value)
            rows = [r for r in rows if _since(r["__system"]["submissionDate"]) >= since]  # type: ignore[operator]
        skip = int(query.get("$skiptoken", query.get("$skip", 0)))
        top = int(query.get("$top", 250))
        page = rows[skip : skip + top]
        service = f"{self.state.base}/v1/projects/7/forms/feedback.svc"
        body: dict[str, Any] = {
            "@odata.context": f"{service}/$metadata#Submissions",
            "value": page,
        }
        if query.get("$count") == "true":
            body["@odata.count"] = len(rows)
        if skip + top < len(rows):
            rest = {k: v for k, v in query.items() if k not in ("$skip", "$skiptoken")}
            rest["$skiptoken"] = str(skip + top)  # opaque to the client
            body["@odata.nextLink"] = (
                f"{self.state.base}/v1/projects/7/forms/feedback.svc/Submissions?{urlencode(rest)}"
            )
        self._answer(200, body)

    def _odk_repeat(self, submission_id: str, repeat: str) -> None:
        """A submission's rows of a repeat table (its navigation link)."""
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in self.state.sessions:
            self._answer(401, {"code": "401.2", "message": "Could not authenticate."})
            return
        if not any(r["__id"] == submission_id for r in self.state.odk):
            self._answer(404, {"code": "404.1", "message": "Could not find the resource."})
            return
        rows = [
            _odk_row(submission_id, repeat, i, answers, {"__Submissions-id": submission_id})
            for i, answers in enumerate(
                self.state.odk_repeats.get(submission_id, {}).get(repeat, []), start=1
            )
        ]
        service = f"{self.state.base}/v1/projects/7/forms/feedback.svc"
        context = f"{service}/$metadata#Submissions.{repeat}"
        self._answer(200, {"@odata.context": context, "value": rows})

    def _odk_nested(self, submission_id: str, repeat: str, row_id: str, nested: str) -> None:
        """A repeat inside a repeat: the rows of one outer row (its navigation link),
        each with ``__Submissions-<outer>-id`` naming that row."""
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in self.state.sessions:
            self._answer(401, {"code": "401.2", "message": "Could not authenticate."})
            return
        outer = self.state.odk_repeats.get(submission_id, {}).get(repeat, [])
        found = [a for i, a in enumerate(outer, 1) if _row_id(submission_id, repeat, i) == row_id]
        if not found:
            self._answer(404, {"code": "404.1", "message": "Could not find the resource."})
            return
        rows = [
            _odk_row(
                submission_id,
                f"{repeat}/{nested}",
                i,
                answers,
                {f"__Submissions-{repeat}-id": row_id},
            )
            for i, answers in enumerate(found[0].get(nested, []), start=1)
        ]
        service = f"{self.state.base}/v1/projects/7/forms/feedback.svc"
        context = f"{service}/$metadata#Submissions.{repeat}.{nested}"
        self._answer(200, {"@odata.context": context, "value": rows})


def _row_id(submission_id: str, repeat: str, i: int) -> str:
    return hashlib.sha1(f"{submission_id}/{repeat}[{i}]".encode()).hexdigest()  # noqa: S324


def _odk_row(
    submission_id: str, repeat: str, i: int, answers: dict[str, Any], link: dict[str, str]
) -> dict[str, Any]:
    """A repeat table's row: its answers, ``__id``, the link to its parent, and for a
    repeat inside it (a list in ``answers``) the navigation link to that table."""
    row_id = _row_id(submission_id, repeat, i)
    row: dict[str, Any] = {}
    for name, value in answers.items():
        if isinstance(value, list):
            outer = repeat.rsplit("/", 1)[-1]
            row[f"{name}@odata.navigationLink"] = (
                f"Submissions('{quote(submission_id, safe='')}')/{outer}('{row_id}')/{name}"
            )
        else:
            row[name] = value
    return {**row, "__id": row_id, **link}


ODK_REPEAT = re.compile(
    r"^/v1/projects/7/forms/feedback\.svc/Submissions\('(?P<id>[^']+)'\)/(?P<repeat>[\w/]+)$"
)


ODK_NESTED = re.compile(
    r"^/v1/projects/7/forms/feedback\.svc/Submissions\('(?P<id>[^']+)'\)/(?P<repeat>\w+)"
    r"\('(?P<row>[0-9a-f]+)'\)/(?P<nested>\w+)$"
)


@contextmanager
def serving() -> Iterator[StandIn]:
    state = StandIn()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
