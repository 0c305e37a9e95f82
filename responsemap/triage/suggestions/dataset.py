"""The labelled messages the base model learns from (``data/*.jsonl``; see
``data/README.md``): one JSON object a line, ``{"text", "lang", "type", "sector",
"urgent", "split"}``. Lines that are not such an object are skipped, never fatal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Example:
    text: str
    type_code: str
    sector: str
    urgent: bool
    lang: str = ""
    split: str = "train"
    weight: float = 1.0


def data_files(directory: Path = DATA_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def read_examples(files: Iterable[Path]) -> list[Example]:
    found: list[Example] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            example = _example(line)
            if example is not None:
                found.append(example)
    return found


def _example(line: str) -> Example | None:
    try:
        row = json.loads(line)
    except ValueError:
        return None
    if not isinstance(row, dict):
        return None
    text, type_code, sector = row.get("text"), row.get("type"), row.get("sector")
    if not (isinstance(text, str) and text.strip() and isinstance(type_code, str)):
        return None
    if not isinstance(sector, str):
        return None
    return Example(
        text=text,
        type_code=type_code,
        sector=sector,
        urgent=bool(row.get("urgent")),
        lang=str(row.get("lang") or ""),
        split=str(row.get("split") or "train"),
    )


def load_examples(split: str | None = None, directory: Path = DATA_DIR) -> list[Example]:
    """Every example in ``directory`` (of ``split`` only, if given), in file order."""
    examples = read_examples(data_files(directory))
    return [e for e in examples if split is None or e.split == split]


def fingerprint(directory: Path = DATA_DIR) -> str:
    """A short hash of the data files' names and bytes: the cached model's key."""
    digest = hashlib.sha256()
    for path in data_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
