"""Rows of a bulk import (CSV/XLSX) → feedback records.

The reader and mapping have made each
row into neutral values and a stable key; here the codes are checked against the
triage code lists, the area is found by P-code or name, and the record is created
through ``do_create_feedback`` with source "import" and the key as provider message
id — the unique (project, source, provider message id) makes a re-import skip rows
stored before.

A row typed as a protection concern is stored as protection-sensitive, so only the
protection focal point sees it (``triage.actions.sensitivity_of``, on every path).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import translation

from responsemap.geo.locate import coarsen, locate_point
from responsemap.geo.models import AdminArea
from responsemap.imports.mapping import read_language
from responsemap.imports.rows import ParsedRow, Problem, Reason, RowRejected
from responsemap.imports.submissions import link_to_submission
from responsemap.projects.models import Project
from responsemap.protection.viewer import Viewer
from responsemap.triage.actions import NewFeedback, do_create_feedback, do_create_feedback_batch
from responsemap.triage.choices import (
    AgeBand,
    Disability,
    Displacement,
    FeedbackType,
    Gender,
    Sector,
    Source,
    Urgency,
)
from responsemap.triage.coding.framework import import_words
from responsemap.triage.models import Feedback

# Feedback's unique (project, source, provider_message_id) where the id isn't empty.
UNIQUE_KEY_INDEX = "feedback_provider_message_unique"

log = logging.getLogger(__name__)

CODE_LISTS: dict[str, type[models.TextChoices]] = {
    "type_code": FeedbackType,
    "sector": Sector,
    "urgency": Urgency,
    "gender": Gender,
    "age_band": AgeBand,
    "disability": Disability,
    "displacement": Displacement,
}

DEFAULTS: dict[str, str] = {
    "type_code": FeedbackType.UNCODED,
    "sector": Sector.UNCODED,
    "urgency": Urgency.NORMAL,
    "gender": Gender.UNKNOWN,
    "age_band": AgeBand.UNKNOWN,
    "disability": Disability.UNKNOWN,
    "displacement": Displacement.UNKNOWN,
}

# Words common in survey exports (Kobo choice names, French forms) that mean a code.
EXTRA_WORDS: dict[str, dict[str, str]] = {
    "type_code": {"rumor": "rumour", "misinformation": "rumour", "thanks": "appreciation"},
    "sector": {"water": "wash", "cva": "cash", "food": "food", "fsl": "food"},
    "urgency": {"medium": "normal", "urgent": "high", "very urgent": "critical"},
    "gender": {
        "f": "female",
        "woman": "female",
        "girl": "female",
        "femme": "female",
        "fille": "female",
        "m": "male",
        "man": "male",
        "boy": "male",
        "homme": "male",
        "garcon": "male",
        "garçon": "male",
        "prefer not to say": "unknown",
    },
    "age_band": {"60 plus": "60+", "60plus": "60+", "over 60": "60+"},
    "disability": {
        "y": "yes",
        "true": "yes",
        "1": "yes",
        "oui": "yes",
        "si": "yes",
        "sí": "yes",
        "n": "no",
        "false": "no",
        "0": "no",
        "non": "no",
    },
    "displacement": {"internally displaced person": "idp", "host": "host"},
}


def _norm(value: str) -> str:
    return re.sub(r"[\s_]+", " ", value.strip().casefold())


def _vocabulary(target: str) -> dict[str, str]:
    """Every accepted spelling of the target's codes → the code."""
    words: dict[str, str] = {}
    for code, _label in CODE_LISTS[target].choices:
        words[_norm(code)] = code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                words.setdefault(_norm(str(CODE_LISTS[target](code).label)), code)
    for word, code in EXTRA_WORDS.get(target, {}).items():
        words.setdefault(_norm(word), code)
    return words


def age_band_of(years: int) -> str:
    if years < 18:
        return AgeBand.CHILD
    if years < 25:
        return AgeBand.YOUTH
    if years < 60:
        return AgeBand.ADULT
    return AgeBand.OLDER


class FeedbackRowSink:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.words = {target: _vocabulary(target) for target in CODE_LISTS}
        # Type and sector: the project's coding framework (active codes only).
        self.words.update(import_words(project.pk, self.words, _norm))
        self.by_point: dict[tuple[float, float], AdminArea | None] = {}
        self.by_pcode: dict[str, AdminArea] = {}
        self.by_name: dict[str, list[AdminArea]] = {}
        for area in AdminArea.objects.filter(project=project):
            self.by_pcode[area.pcode.strip().casefold()] = area
            for name in {area.name, *[str(n) for n in area.names.values()]}:
                self.by_name.setdefault(_norm(name), []).append(area)

    def code(self, target: str, raw: str) -> str | None:
        """The code for ``raw``, the default for an empty cell, None if unknown. A
        select-multiple answer ("wash food"): the first of its choices with a code."""
        if not raw.strip():
            return DEFAULTS[target]
        found = self._code(target, raw)
        if found is None and len(raw.split()) > 1:
            codes = (self._code(target, part) for part in raw.split())
            found = next((c for c in codes if c is not None), None)
        return found

    def known(self, target: str, raw: str) -> str | None:
        """The code for a value on the recoding screen (None: the person chooses)."""
        if target == "language":
            return read_language(raw, self.project.languages)
        return self.code(target, raw) if raw.strip() else None

    def _code(self, target: str, raw: str) -> str | None:
        value = _norm(raw)
        if target == "age_band" and value.isdigit():
            return age_band_of(int(value)) if int(value) <= 120 else None
        if target == "age_band":
            value = value.replace(" ", "-")
        return self.words[target].get(value) or self.words[target].get(value.replace("-", " "))

    def at_point(self, lat: float, lon: float) -> AdminArea | None:
        """The deepest area containing the point (cached: a form's points repeat)."""
        spot = coarsen(lat, lon, 4)
        if spot not in self.by_point:
            self.by_point[spot] = locate_point(self.project.pk, lat, lon)
        return self.by_point[spot]

    def area(self, values: dict[str, Any]) -> tuple[AdminArea | None, Problem | None]:
        pcode, name = values.get("area_pcode", ""), values.get("area_name", "")
        if not pcode and not name and values.get("lat") is not None:
            return self.at_point(values["lat"], values["lon"]), None
        if pcode:
            found = self.by_pcode.get(pcode.strip().casefold())
            return (found, None) if found else (None, Problem("area_pcode", Reason.UNKNOWN_AREA))
        if name:
            matches = self.by_name.get(_norm(name), [])
            if not matches:
                return None, Problem("area_name", Reason.UNKNOWN_AREA)
            deepest = max(a.level for a in matches)
            at_deepest = [a for a in matches if a.level == deepest]
            if len(at_deepest) > 1:
                return None, Problem("area_name", Reason.AMBIGUOUS_AREA)
            return at_deepest[0], None
        return None, None

    def _clean(self, row: ParsedRow) -> tuple[NewFeedback, list[Problem], list[Problem]]:
        """The record to make, what stops the row, and what is left out of it: a value
        that isn't one of the project's is left empty, and never fails the row (all of
        these fields are optional; the recoding screen is where it gets a code)."""
        values = row.values
        problems: list[Problem] = []
        notes: list[Problem] = []
        codes = dict(DEFAULTS)
        for target in CODE_LISTS:
            code = self.code(target, values.get(target, ""))
            if code is None:
                notes.append(Problem(target, Reason.LEFT_EMPTY))
            else:
                codes[target] = code
        area, area_problem = self.area(values)
        if area_problem:
            problems.append(area_problem)
        lat, lon = values.get("lat"), values.get("lon")
        if lat is not None and lon is not None:
            lat, lon = coarsen(lat, lon)
        feedback = NewFeedback(
            source=Source.IMPORT,
            content=values["content"],
            received_at=values.get("received_at"),
            phone=values.get("phone", ""),
            language=values.get("language", ""),
            area=area,
            provider_message_id=row.key,
            type_code=codes["type_code"],
            sector=codes["sector"],
            urgency=codes["urgency"],
            gender=codes["gender"],
            age_band=codes["age_band"],
            disability=codes["disability"],
            displacement=codes["displacement"],
            lat=lat,
            lon=lon,
        )
        return feedback, problems, notes

    def check(self, row: ParsedRow) -> list[Problem]:
        return self._clean(row)[1]

    def notes(self, row: ParsedRow) -> list[Problem]:
        """What an imported row leaves out (values left empty, an unreadable point)."""
        return row.notes + self._clean(row)[2]

    def already_imported(self, keys: Iterable[str]) -> set[str]:
        wanted = list(keys)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            found.update(self._imported(wanted[start : start + 500]))
        return found

    def _imported(self, keys: list[str]) -> list[str]:
        if not keys:
            return []
        return list(self.imported_query(keys).values_list("provider_message_id", flat=True))

    def imported_query(self, keys: list[str]) -> models.QuerySet[Feedback]:
        """The records an import stored under ``keys``, read from the unique index on
        (project, source, key) — on SQLite and PostgreSQL alike (docs/imports.md):
        not in Feedback's default order (by time), which had both read the inbox's
        (project, source, time) index instead: every import record of the project for
        each batch, slower as the project grew. The empty key is ruled out in so many
        words, as the unique index leaves it out (a partial index)."""
        return Feedback.objects.filter(
            ~models.Q(provider_message_id=""),
            project=self.project,
            source=Source.IMPORT,
            provider_message_id__in=keys,
        ).order_by()

    def store_many(
        self, rows: Sequence[ParsedRow], actor: Viewer
    ) -> list[tuple[str, list[Problem]]]:
        """Each row's outcome — ("created", notes), ("skipped", []) when its key is in
        already, ("failed", problems) — with the rows that can be stored made into
        records by one ``do_create_feedback_batch`` (redacted in it: one redaction
        set-up, one duplicates lookup, one audit write for the lot, no task per
        record). If the batch fails as a whole (a key stored meanwhile by another run,
        a row that breaks a step), its rows are stored one by one, so one bad row
        never stops the others."""
        outcomes: list[tuple[str, list[Problem]]] = [("skipped", [])] * len(rows)
        existing = self.already_imported(r.key for r in rows if r.key and not r.problems)
        chosen: list[tuple[int, NewFeedback]] = []
        taken: set[str] = set()
        for i, row in enumerate(rows):
            if row.problems:
                outcomes[i] = ("failed", row.problems + self.check(row))
                continue
            if row.key in existing or row.key in taken:
                continue  # skipped
            feedback, problems, _notes = self._clean(row)
            if problems:
                outcomes[i] = ("failed", problems)
                continue
            taken.add(row.key)
            chosen.append((i, feedback))
        if not chosen:
            return outcomes
        try:
            with transaction.atomic():
                made = do_create_feedback_batch(
                    self.project, [f for _i, f in chosen], actor, redact_now=True
                )
                for (i, _f), record in zip(chosen, made, strict=True):
                    if rows[i].parent_key:
                        link_to_submission(record, rows[i].parent_key)
                    outcomes[i] = ("created", self.notes(rows[i]))
        except Exception:  # noqa: BLE001 (row by row below says which row)
            for i, _f in chosen:
                outcomes[i] = self._store_alone(rows[i], actor)
        return outcomes

    def _store_alone(self, row: ParsedRow, actor: Viewer) -> tuple[str, list[Problem]]:
        try:
            with transaction.atomic():
                created = self.store(row, actor)
        except RowRejected as exc:
            return "failed", exc.problems
        except Exception as exc:  # one bad row must not stop the others
            # The row's number and the error's class only: its message may quote the row.
            log.warning("import: row %s not stored (%s)", row.number, type(exc).__name__)
            return "failed", [Problem("", Reason.NOT_STORED)]
        return ("created", self.notes(row)) if created else ("skipped", [])

    def store(self, row: ParsedRow, actor: Viewer) -> bool:
        if self.already_imported([row.key]):
            return False
        feedback, problems, _notes = self._clean(row)
        if problems:
            raise RowRejected(problems)
        try:
            with transaction.atomic():
                made = do_create_feedback(self.project, feedback, actor)
                if row.parent_key:
                    link_to_submission(made, row.parent_key)
        except IntegrityError:
            if self.already_imported([row.key]):
                return False  # stored meanwhile by another run of the same import
            raise
        return True
