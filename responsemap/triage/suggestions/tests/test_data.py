"""The shipped labelled messages keep data/README.md's rules: every line a labelled
example, labels from the documented sets, a held-aside part in every file, and no
phone numbers."""

from __future__ import annotations

import json
import re

from responsemap.triage.suggestions.dataset import data_files

TYPES = {"question", "complaint", "request", "rumour", "suggestion", "appreciation", "protection"}
SECTORS = {
    "food",
    "wash",
    "shelter",
    "health",
    "protection",
    "education",
    "cash",
    "nutrition",
    "other",
}
# Nine digits or more in a row (spaces and dashes allowed between): a phone number's
# shape. Block, tent, case and ID numbers and amounts are shorter.
PHONE_LIKE = re.compile(r"\d(?:[ \-]?\d){8,}")


def test_every_line_is_a_labelled_message_with_documented_labels() -> None:
    files = data_files()
    assert {f.name for f in files} >= {
        f"messages_{lang}.jsonl" for lang in ("en", "fr", "es", "ht", "ar", "mixed")
    }
    for path in files:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert len(rows) >= 300, path.name
        for row in rows:
            assert set(row) == {"text", "lang", "type", "sector", "urgent", "split"}, row
            assert row["type"] in TYPES, row
            assert row["sector"] in SECTORS, row
            assert isinstance(row["urgent"], bool), row
            assert row["split"] in {"train", "test"}, row
            assert row["text"].strip(), row
            assert not PHONE_LIKE.search(row["text"]), row["text"]
        held_aside = sum(row["split"] == "test" for row in rows) / len(rows)
        assert 0.15 <= held_aside <= 0.35, path.name
        texts = [row["text"] for row in rows]
        assert len(set(texts)) == len(texts), path.name
