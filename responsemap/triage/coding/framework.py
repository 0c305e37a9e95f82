"""Reading a project's coding framework: its codes, their labels in the language of the
page, what forms offer and accept.

One query per project and request: the framework is kept for the rest of the request
(keyed by the request's id, ``lib.context``), so the inbox's filter form and its page of
records (``present()``'s labels) share one load. Outside a request (the worker, a
command) nothing is kept: each call reads the table again. An action that changes the
framework forgets the copy kept for its project.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from responsemap.lib.context import current_request
from responsemap.triage.choices import FeedbackType, Sector
from responsemap.triage.coding.models import Code, Kind

# The codes a project starts with, per kind, in their order (topics: none).
DEFAULT_CODES: dict[str, list[tuple[str, str | Promise]]] = {
    Kind.TYPE: list(FeedbackType.choices),
    Kind.SECTOR: list(Sector.choices),
    Kind.TOPIC: [],
}
# Codes with a fixed meaning: protection rules and "not yet coded" depend on them, so
# they can't be retired (their labels may change).
FIXED_CODES = frozenset(
    {
        (Kind.TYPE, FeedbackType.PROTECTION),
        (Kind.TYPE, FeedbackType.UNCODED),
        (Kind.SECTOR, Sector.PROTECTION),
        (Kind.SECTOR, Sector.UNCODED),
    }
)
# The record's column each kind is stored in bounds the code's length.
MAX_LENGTH = {Kind.TYPE: 16, Kind.SECTOR: 16, Kind.TOPIC: 64}
POSITION_STEP = 10
LABEL_MAX_LENGTH = 100


@dataclass(frozen=True)
class Entry:
    """A code as screens and forms see it: a frozen value, never the row."""

    kind: str
    code: str
    label: str  # "" for a default code shown with its built-in label
    labels: Mapping[str, str]
    position: int
    retired_at: datetime | None = None
    builtin: str | Promise = ""

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def fixed(self) -> bool:
        return (self.kind, self.code) in FIXED_CODES

    def name(self, language: str | None = None) -> str:
        """The label in ``language`` (default: the page's): the project's label in that
        language, else its default label, else the built-in one (translated), else the
        code itself."""
        language = language or translation.get_language() or ""
        for key in (language, language.split("-")[0]):
            if self.labels.get(key):
                return self.labels[key]
        return self.label or str(self.builtin) or self.code

    def shown(self, language: str | None = None) -> str:
        """The label as every screen shows a record's code: marked when retired."""
        name = self.name(language)
        return _("%(label)s (retired)") % {"label": name} if self.retired else name


@dataclass(frozen=True)
class Framework:
    project_id: str
    entries: tuple[Entry, ...]
    # False: the project never changed its framework (the defaults, nothing stored).
    stored: bool = False
    _index: dict[tuple[str, str], Entry] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self._index.update({(e.kind, e.code): e for e in self.entries})

    def of(self, kind: str) -> list[Entry]:
        return sorted((e for e in self.entries if e.kind == kind), key=lambda e: e.position)

    def get(self, kind: str, code: str) -> Entry | None:
        return self._index.get((kind, code))

    def label(self, kind: str, code: str) -> str:
        """A record's code in words; a code the framework doesn't know (a topic typed
        before topics were coded) as itself."""
        entry = self.get(kind, code)
        return entry.shown() if entry else code

    def labels(self, kind: str) -> dict[str, str]:
        return {e.code: e.shown() for e in self.of(kind)}

    def choices(self, kind: str, current: str | None = None) -> list[tuple[str, str]]:
        """What a form offers: the active codes, plus the record's ``current`` one when
        it is retired (so re-coding one field keeps the others)."""
        return [
            (e.code, e.shown())
            for e in self.of(kind)
            if not e.retired or (current is not None and e.code == current)
        ]

    def accepts(self, kind: str, code: str, current: str | None = None) -> bool:
        entry = self.get(kind, code)
        return entry is not None and (not entry.retired or code == current)


def default_entries() -> list[Entry]:
    return [
        Entry(kind, code, "", MappingProxyType({}), n * POSITION_STEP, None, builtin)
        for kind, codes in DEFAULT_CODES.items()
        for n, (code, builtin) in enumerate(codes)
    ]


def _builtin(kind: str, code: str) -> str | Promise:
    return dict(DEFAULT_CODES.get(kind, [])).get(code, "")


def _entry(row: Code) -> Entry:
    return Entry(
        row.kind,
        row.code,
        row.label,
        MappingProxyType({str(k): str(v) for k, v in (row.labels or {}).items()}),
        row.position,
        row.retired_at,
        _builtin(row.kind, row.code),
    )


def load_framework(project_id: uuid.UUID | str) -> Framework:
    """The project's framework as stored now (one query); the defaults if none is."""
    rows = list(Code.objects.filter(project_id=project_id))
    stored = {row.kind for row in rows}
    entries = [_entry(row) for row in rows]
    entries += [e for e in default_entries() if e.kind not in stored]
    return Framework(str(project_id), tuple(entries), stored=bool(rows))


_kept: contextvars.ContextVar[tuple[str, dict[str, Framework]]] = contextvars.ContextVar(
    "coding_frameworks", default=("", {})
)


def framework_for(project_id: uuid.UUID | str) -> Framework:
    """The project's framework, loaded once per request (see the module's docstring)."""
    request_id = current_request().request_id
    if not request_id:
        return load_framework(project_id)
    kept_for, kept = _kept.get()
    if kept_for != request_id:
        kept = {}
        _kept.set((request_id, kept))
    key = str(project_id)
    if key not in kept:
        kept[key] = load_framework(project_id)
    return kept[key]


def forget(project_id: uuid.UUID | str) -> None:
    """Drop the copy kept for this request (after the framework changed)."""
    _kept_for, kept = _kept.get()
    kept.pop(str(project_id), None)


def labeller(kind: str) -> Any:
    """For the field catalogue: the labels of ``kind`` for a page of records (all of one
    project, as ``present()`` checks), in the page's language."""

    def labels(records: Sequence[models.Model]) -> dict[str, str]:
        return framework_for(records[0].project_id).labels(kind)  # type: ignore[attr-defined]

    return labels


def offer_codes(
    form: forms.BaseForm, project_id: uuid.UUID | str, *, any_label: str | Promise | None = None
) -> None:
    """Set the choices of ``form``'s type_code, sector and topic fields (those it has)
    from the project's framework: the active codes for a form that codes a record; every
    code, retired ones too, after an "any" choice for a filter (``any_label``)."""
    framework = framework_for(project_id)
    for kind in Kind:
        field = form.fields.get(kind.value)
        if not isinstance(field, forms.ChoiceField):
            continue
        if any_label is not None:
            field.choices = [("", any_label)] + list(framework.labels(kind).items())
        else:
            field.choices = framework.choices(kind)


def import_words(
    project_id: uuid.UUID | str,
    known: Mapping[str, Mapping[str, str]],
    norm: Callable[[str], str],
) -> dict[str, dict[str, str]]:
    """For an import, the type's and sector's accepted spellings (``norm``-alised) →
    code: the project's active codes, their labels in every language, and the spellings
    already ``known`` (the import's own words) of codes still active. A retired code is
    not accepted (as on every form)."""
    framework = load_framework(project_id)
    found: dict[str, dict[str, str]] = {}
    for kind in (Kind.TYPE, Kind.SECTOR):
        active = [e for e in framework.of(kind) if not e.retired]
        codes = {e.code for e in active}
        words = {word: code for word, code in known.get(kind, {}).items() if code in codes}
        for entry in active:
            words.setdefault(norm(entry.code), entry.code)
            for text in [entry.label, *entry.labels.values()]:
                if text:
                    words.setdefault(norm(text), entry.code)
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    words.setdefault(norm(entry.name(language)), entry.code)
        found[kind.value] = words
    return found
