"""Talking to the form servers: KoboToolbox's API v2 data endpoint and ODK Central's
OData feed, page by page, as plain submissions (a uuid, a time, flat field paths).

Both are read-only GETs with a timeout; every failure becomes a ``PullError`` whose
code the manager reads in words (``describe_outcome``). The token goes only to the
server the manager named: a ``next`` link that points elsewhere is refused, and so is a
redirect. The server's address is checked before each request and on each connection
(``hosts``: never this machine, its link-local or metadata addresses; private ranges
only where the installation allows them), and each answer is read as it streams, at
most ``RESPONSEMAP_PULL_MAX_RESPONSE_BYTES`` (``too_large`` past that: the page is not
stored, so nothing of it is imported).

- KoboToolbox: ``GET {server}/api/v2/assets/{uid}/data/?format=json&limit=&start=`` with
  ``Authorization: Token …``; the answer is ``{count, next, previous, results}`` and
  ``query={"_submission_time": {"$gte": …}}`` asks for the new ones only
  (kobotoolbox/kpi, kpi/docs/api/v2/data/list.md).
- ODK Central: ``POST {server}/v1/sessions`` with e-mail and password gives a bearer
  token; ``GET {server}/v1/projects/{p}/forms/{f}.svc/Submissions?$top=&$count=true&
  $filter=__system/submissionDate ge …`` answers ``{@odata.context, value,
  @odata.count, @odata.nextLink}`` (getodk/central-backend, docs/api.yaml, "Data
  Document"). App User tokens cannot read the OData feed (same document, "App Users are
  only allowed to access the OpenRosa parts of the API"), so a web user signs in.

Repeat groups come as ``Submission.repeats`` (repeat name → its rows, field paths
relative to the repeat, in the submission's order), the same for both servers:

- KoboToolbox nests them in the submission: ``"grp/comments": [{"grp/comments/text":
  …}, …]`` (each key prefixed by the repeat's path).
- ODK Central keeps each repeat in a table of its own, ``Submissions.<repeat>``; a
  submission names it by ``<repeat>@odata.navigationLink`` (``Submissions('uuid:…')/
  comments``, relative to the form's ``.svc`` root), and each row carries ``__id`` and
  ``__Submissions-id`` (docs.getodk.org, "OData Endpoints": "every repeat in the Form
  definition as its own relational table"). The link is followed for each submission
  that has one, page by page.
- A repeat inside a repeat: Kobo's inner list sits in each outer item; ODK's outer rows
  carry their own navigation links, followed in turn. Either way the inner rows go
  under their own name, each naming its parent row (``PARENT_REPEAT``,
  ``PARENT_PLACE``), which ``repeats.tables_of`` turns into Kobo's XLSX links.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from responsemap.imports.pull import hosts

# Seconds to connect, and to wait for each answer.
TIMEOUT = (10, 60)
PAGE_SIZE = 1000
# A pull stops after this many pages (the rest comes at the next pull).
MAX_PAGES = 200
# An answer is read in pieces of this size, and stops at the setting's cap.
CHUNK_BYTES = 64 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 50 * 1024 * 1024


def max_response_bytes() -> int:
    return int(getattr(settings, "RESPONSEMAP_PULL_MAX_RESPONSE_BYTES", DEFAULT_MAX_RESPONSE_BYTES))


class PullError(Exception):
    """Why a pull stopped; ``code`` is one of ``OUTCOMES`` (never a server's words,
    which may quote a submission)."""

    def __init__(self, code: str, status: int | None = None) -> None:
        super().__init__(code if status is None else f"{code} ({status})")
        self.code = code
        self.status = status


@dataclass
class Submission:
    uuid: str
    submitted_at: datetime | None
    server_id: str  # Kobo's _id, ODK's __id: what the manager looks up on the server
    fields: dict[str, str] = field(default_factory=dict)
    # Repeat name (its path's last part, as Kobo names its export's sheet) → its rows.
    repeats: dict[str, list[dict[str, str]]] = field(default_factory=dict)


@dataclass
class Page:
    submissions: list[Submission]
    total: int | None = None


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Field path → text. Groups (ODK's nested objects) become "group/field" paths
    like Kobo's; a GeoJSON point (ODK) or a [lat, lon] list (Kobo ``_geolocation``)
    becomes "lat lon [altitude accuracy]", as the tools' own CSV exports write GPS.
    Repeat groups (lists of objects) and attachments are left out."""
    flat: dict[str, str] = {}
    for name, value in data.items():
        if "@odata." in name:
            continue  # ODK's links to a repeat's table, not an answer
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            point = _geojson_point(value)
            if point is not None:
                flat[path] = point
            else:
                flat.update(flatten(value, path + "/"))
        elif isinstance(value, list):
            if value and all(_is_scalar(v) and v is not None for v in value):
                flat[path] = " ".join(_text(v) for v in value)
        else:
            flat[path] = _text(value)
    return flat


def repeat_name(path: str) -> str:
    """``grp/comments`` → ``comments``: the name Kobo gives the repeat's export sheet."""
    return path.rstrip("/").rsplit("/", 1)[-1]


# A repeat row's parent, when it is another repeat's row (a nested repeat): the
# parent repeat's name and the parent row's place among the submission's rows of it
# (1, 2…). A first-level row has neither: its parent is the submission.
PARENT_REPEAT = "_parent_table_name"
PARENT_PLACE = "_parent_place"


def kobo_repeats(
    data: dict[str, Any],
    prefix: str = "",
    parent: tuple[str, int] | None = None,
    found: dict[str, list[dict[str, str]]] | None = None,
) -> dict[str, list[dict[str, str]]]:
    """Kobo's repeat groups in a submission: lists of objects whose keys carry the
    repeat's path (``grp/comments/text``). A repeat inside a repeat is a list inside
    an item (``households/members``): its rows name their parent row
    (``PARENT_REPEAT``, ``PARENT_PLACE``)."""
    found = {} if found is None else found
    for name, value in data.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            kobo_repeats(value, path + "/", parent, found)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            repeat = repeat_name(path)
            rows = found.setdefault(repeat, [])
            for item in value:
                flat = flatten(item)
                row = {k.removeprefix(path + "/"): v for k, v in flat.items()}
                if parent is not None:
                    row[PARENT_REPEAT], row[PARENT_PLACE] = parent[0], str(parent[1])
                rows.append(row)
                kobo_repeats(item, "", (repeat, len(rows)), found)
    return found


def odk_links(data: dict[str, Any]) -> dict[str, str]:
    """ODK's links to a submission's repeat tables: repeat name → relative link."""
    found: dict[str, str] = {}
    for name, value in data.items():
        if name.endswith("@odata.navigationLink") and isinstance(value, str):
            found[repeat_name(name.removesuffix("@odata.navigationLink"))] = value
        elif isinstance(value, dict):
            found.update(odk_links(value))
    return found


# The columns of ODK's repeat tables that link rows, not answers: ``__id`` and the
# parent's id (``__Submissions-id``; in a nested repeat's table
# ``__Submissions-households-id``, named after the parent's table).
ODK_LINK_FIELDS = ("__id", "__Submissions-id")
# Repeats inside repeats are followed this deep at most.
MAX_DEPTH = 8


def _odk_link_field(name: str) -> bool:
    return name in ODK_LINK_FIELDS or (name.startswith("__Submissions-") and name.endswith("-id"))


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _geojson_point(value: dict[str, Any]) -> str | None:
    coordinates = value.get("coordinates")
    if value.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    lon, lat, *rest = coordinates
    parts = [lat, lon, *rest]
    accuracy = (value.get("properties") or {}).get("accuracy")
    if accuracy is not None:
        parts += [0] * (3 - len(parts)) + [accuracy]
    return " ".join(_text(p) for p in parts)


def read_time(raw: object) -> datetime | None:
    """A server's submission time; Kobo writes UTC without a zone."""
    if not isinstance(raw, str) or not raw:
        return None
    text = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _server_time(moment: datetime) -> str:
    """ISO time in UTC, as both servers compare it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class FormServer:
    """What a pull needs of a server: pages of submissions from a moment on."""

    def __init__(self, server_url: str, session: requests.Session | None = None) -> None:
        self.base = server_url.strip().rstrip("/")
        self.http = hosts.guard(session or requests.Session())
        self.http.headers["Accept"] = "application/json"

    def pages(
        self, since: datetime | None, page_size: int | None = None, repeats: bool = True
    ) -> Iterator[Page]:
        """Pages of submissions from ``since`` on; ``repeats``: with their repeat
        groups' rows (ODK asks for them apart, one request per submission)."""
        raise NotImplementedError

    def close(self) -> None:
        self.http.close()

    def _get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        self._same_server(url)
        return _json(self._call("GET", url, params=params))

    def _call(self, method: str, url: str, **kwargs: Any) -> bytes:
        """The answer's body, its status checked, read up to the cap."""
        try:
            hosts.check_url(url)
            response = self.http.request(
                method, url, timeout=TIMEOUT, allow_redirects=False, stream=True, **kwargs
            )
        except hosts.ForbiddenHost:
            raise PullError(hosts.FORBIDDEN) from None
        except requests.Timeout:
            raise PullError("timeout") from None
        except (requests.RequestException, OSError):
            raise PullError("unreachable") from None
        try:
            _check_status(response)
            return _read_capped(response, max_response_bytes())
        finally:
            response.close()

    def _same_server(self, url: str) -> None:
        ours, theirs = urlsplit(self.base), urlsplit(url)
        if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
            raise PullError("bad_response")


def _check_status(response: requests.Response) -> None:
    status = response.status_code
    if status in (401, 403):
        raise PullError("unauthorized", status)
    if status == 404:
        raise PullError("not_found", status)
    if status == 429:
        raise PullError("server_busy", status)
    if 300 <= status < 400:
        raise PullError("bad_response", status)
    if status >= 500:
        raise PullError("server_error", status)
    if status >= 400:
        raise PullError("refused", status)


def _read_capped(response: requests.Response, limit: int) -> bytes:
    """The body, read as it streams; ``PullError("too_large")`` past ``limit`` bytes
    (as decoded: a compressed answer is measured as it unpacks)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PullError("too_large")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > limit:
                raise PullError("too_large")
    except requests.Timeout:
        raise PullError("timeout") from None
    except requests.RequestException:
        raise PullError("unreachable") from None
    return bytes(body)


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, json.JSONDecodeError, RecursionError):  # nested past the parser
        raise PullError("bad_response") from None
    if not isinstance(data, dict):
        raise PullError("bad_response")
    return data


class KoboServer(FormServer):
    def __init__(
        self, server_url: str, asset_uid: str, token: str, session: requests.Session | None = None
    ) -> None:
        super().__init__(server_url, session)
        self.asset_uid = asset_uid.strip()
        self.http.headers["Authorization"] = f"Token {token.strip()}"

    def pages(
        self, since: datetime | None, page_size: int | None = None, repeats: bool = True
    ) -> Iterator[Page]:
        url: str | None = f"{self.base}/api/v2/assets/{quote(self.asset_uid, safe='')}/data/"
        limit = str(page_size or PAGE_SIZE)
        params: dict[str, str] | None = {"format": "json", "limit": limit, "start": "0"}
        if since is not None and params is not None:
            # Kobo keeps the time as text without a zone or fraction: compare it alike.
            moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            params["query"] = json.dumps({"_submission_time": {"$gte": moment}})
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data = self._get(url, params)
            results = data.get("results")
            if not isinstance(results, list):
                raise PullError("bad_response")
            yield Page([self._submission(r) for r in results if isinstance(r, dict)], _int(data))
            url = data.get("next") if isinstance(data.get("next"), str) else None
            params = None  # the next link carries them

    @staticmethod
    def _submission(row: dict[str, Any]) -> Submission:
        fields = flatten(row)
        uuid = fields.get("_uuid") or fields.get("meta/instanceID", "").removeprefix("uuid:")
        moment = read_time(row.get("_submission_time"))
        if moment is not None:
            # Kobo's time has no zone but is UTC: say so, so no reader takes it as local.
            fields["_submission_time"] = moment.isoformat()
        return Submission(uuid, moment, fields.get("_id", ""), fields, kobo_repeats(row))


def _int(data: dict[str, Any], name: str = "count") -> int | None:
    value = data.get(name)
    return value if isinstance(value, int) else None


class OdkServer(FormServer):
    def __init__(
        self,
        server_url: str,
        project_id: str,
        form_id: str,
        email: str,
        password: str,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(server_url, session)
        self.project_id = project_id.strip()
        self.form_id = form_id.strip()
        self.email = email
        self.password = password
        self.token = ""

    def sign_in(self) -> None:
        credentials = {"email": self.email, "password": self.password}
        token = _json(self._call("POST", f"{self.base}/v1/sessions", json=credentials)).get("token")
        if not isinstance(token, str) or not token:
            raise PullError("bad_response")
        self.token = token
        self.http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        """Sign out (the session would otherwise live on the server for a day)."""
        if self.token:
            with contextlib.suppress(PullError):
                self._call("DELETE", f"{self.base}/v1/sessions/{quote(self.token, safe='')}")
            self.token = ""
        super().close()

    @property
    def service_root(self) -> str:
        form = quote(self.form_id, safe="")
        project = quote(self.project_id, safe="")
        return f"{self.base}/v1/projects/{project}/forms/{form}.svc/"

    def pages(
        self, since: datetime | None, page_size: int | None = None, repeats: bool = True
    ) -> Iterator[Page]:
        if not self.token:
            self.sign_in()
        url: str | None = self.service_root + "Submissions"
        params: dict[str, str] | None = {"$top": str(page_size or PAGE_SIZE), "$count": "true"}
        if since is not None and params is not None:
            params["$filter"] = f"__system/submissionDate ge {_server_time(since)}"
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data = self._get(url, params)
            rows = data.get("value")
            if not isinstance(rows, list):
                raise PullError("bad_response")
            submissions = []
            for row in rows:
                if isinstance(row, dict):
                    submission = self._submission(row)
                    if repeats:
                        for name, path in odk_links(row).items():
                            self.repeat_rows(path, name, submission.repeats)
                    submissions.append(submission)
            yield Page(submissions, _int(data, "@odata.count"))
            next_link = data.get("@odata.nextLink")
            url = next_link if isinstance(next_link, str) and next_link else None
            params = None

    def repeat_rows(
        self,
        link: str,
        name: str,
        into: dict[str, list[dict[str, str]]],
        parent: tuple[str, int] | None = None,
        depth: int = 0,
    ) -> list[dict[str, str]]:
        """One submission's rows of a repeat table, by its navigation link, added to
        ``into[name]``; a row's own links (a repeat inside the repeat) are followed
        in turn, their rows naming it as their parent (``PARENT_REPEAT``,
        ``PARENT_PLACE``)."""
        if depth > MAX_DEPTH:
            raise PullError("bad_response")
        url: str | None = link if "://" in link else self.service_root + link.lstrip("/")
        found = into.setdefault(name, [])
        nested: list[tuple[str, str, int]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            data = self._get(url)
            rows = data.get("value")
            if not isinstance(rows, list):
                raise PullError("bad_response")
            for row in rows:
                if isinstance(row, dict):
                    flat = flatten(row)
                    kept = {k: v for k, v in flat.items() if not _odk_link_field(k)}
                    if parent is not None:
                        kept[PARENT_REPEAT], kept[PARENT_PLACE] = parent[0], str(parent[1])
                    found.append(kept)
                    nested += [(n, p, len(found)) for n, p in odk_links(row).items()]
            next_link = data.get("@odata.nextLink")
            url = next_link if isinstance(next_link, str) and next_link else None
        for child, path, place in nested:
            self.repeat_rows(path, child, into, (name, place), depth + 1)
        return found

    @staticmethod
    def _submission(row: dict[str, Any]) -> Submission:
        fields = flatten(row)
        uuid = fields.get("__id") or fields.get("meta/instanceID", "")
        moment = read_time(fields.get("__system/submissionDate"))
        return Submission(uuid, moment, uuid, fields)
