"""Which model suggests for a project, loaded once per process.

- The base model learns from every labelled message in ``data/`` at first use
  (about a second), deterministically, and is cached under ``VAR_DIR/suggestions/``
  keyed by the data's fingerprint: a new data file makes a new model, with no command to
  run. The cache is only a speed-up: a process that finds none trains its own, so
  nothing here assumes one machine.
- A project's own model (``ProjectModel``, newest version) replaces it once trained;
  each process checks the version per batch (one small query) and loads a new one.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

from django.conf import settings

from responsemap.protection.present import open_for_system
from responsemap.protection.system_opens import SystemPurpose
from responsemap.triage.suggestions.dataset import fingerprint, load_examples
from responsemap.triage.suggestions.model import FORMAT, Suggester, train
from responsemap.triage.suggestions.models import ProjectModel

log = logging.getLogger(__name__)

BASE = "base"
_lock = threading.Lock()
_base: tuple[str, Suggester] | None = None
_projects: dict[str, tuple[int, Suggester]] = {}


def cache_path(key: str) -> Path:
    return Path(settings.VAR_DIR) / "suggestions" / f"base-{key}.npz"


def base_key() -> str:
    return f"{fingerprint()}-f{FORMAT}-sk{version('scikit-learn')}"


def base_suggester() -> Suggester:
    """The model trained on the shipped data (every split): cached, else trained."""
    global _base
    key = base_key()
    with _lock:
        if _base is not None and _base[0] == key:
            return _base[1]
        path = cache_path(key)
        suggester = None
        if path.exists():
            try:
                suggester = Suggester.from_bytes(path.read_bytes())
            except (OSError, ValueError, KeyError):
                log.warning("suggestions: cached base model unreadable, training again")
        if suggester is None:
            suggester = train(load_examples())
            _write(path, suggester.to_bytes())
        _base = (key, suggester)
        return suggester


def _write(path: Path, blob: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(blob)
        partial.replace(path)  # atomic: a reader sees the whole file or none
    except OSError:
        log.warning("suggestions: base model not cached (var not writable)")


def suggesters_for(project_ids: Iterable[str]) -> dict[str, tuple[str, Suggester]]:
    """Each project's model and its name ("base" or "project:<version>"): one query for
    the projects' newest versions, one more per project whose version is new here."""
    ids = sorted({str(p) for p in project_ids})
    newest: dict[str, int] = {}
    for owner, number in ProjectModel.objects.filter(project_id__in=ids).values_list(
        "project_id", "version"
    ):
        newest[str(owner)] = max(number, newest.get(str(owner), 0))
    found: dict[str, tuple[str, Suggester]] = {}
    for project_id in ids:
        version = newest.get(project_id)
        if version is None:
            found[project_id] = (BASE, base_suggester())
            continue
        kept = _projects.get(project_id)
        if kept is None or kept[0] != version:
            loaded = _load_project_model(project_id, version)
            if loaded is None:
                found[project_id] = (BASE, base_suggester())
                continue
            kept = (version, loaded)
            _projects[project_id] = kept
        found[project_id] = (f"project:{version}", kept[1])
    return found


def _load_project_model(project_id: str, version: int) -> Suggester | None:
    row = ProjectModel.objects.filter(project_id=project_id, version=version).first()
    if row is None:
        return None
    text = open_for_system(row, "weights", purpose=SystemPurpose.SUGGEST_CODES)
    if not text:
        return None
    try:
        return Suggester.from_bytes(base64.b64decode(text))
    except (ValueError, KeyError):
        log.warning("suggestions: a project model unreadable, the base model is used")
        return None


def forget_project(project_id: str) -> None:
    _projects.pop(str(project_id), None)


def warm_base_model() -> None:
    """A worker's upkeep: have the shipped model ready before the first batch needs it,
    so its first training (seconds) never runs inside a batch's transaction."""
    if settings.RESPONSEMAP_SUGGESTIONS_AT_BIRTH:
        base_suggester()
