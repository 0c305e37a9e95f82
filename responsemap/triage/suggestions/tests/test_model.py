"""The model itself: trained deterministically from examples, stored as plain arrays
(no pickle) and loaded back the same, restricted to a project's codes, urgent when the
model or a cue says so."""

from __future__ import annotations

import io

import numpy as np
import pytest

from responsemap.triage.rules.matching import normalise_for_rules
from responsemap.triage.suggestions.cues import find_cues
from responsemap.triage.suggestions.dataset import read_examples
from responsemap.triage.suggestions.model import (
    FORMAT,
    Suggester,
    counts,
    normalised,
    train,
    views,
)
from responsemap.triage.suggestions.tests.conftest import SMALL

EXAMPLES = SMALL


def test_training_is_deterministic_and_a_stored_model_loads_back_the_same() -> None:
    one, two = train(EXAMPLES), train(EXAMPLES)
    assert one.to_bytes() == two.to_bytes()
    loaded = Suggester.from_bytes(one.to_bytes())
    texts = ["no water at the tap", "when is the rice distribution", "my son has fever"]
    assert loaded.suggest(texts) == one.suggest(texts)


def test_a_stored_model_is_a_numpy_archive_without_pickles() -> None:
    blob = train(EXAMPLES).to_bytes()
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        assert "idf" in arrays.files
    with pytest.raises(ValueError, match="format"):
        Suggester.from_bytes(_with_format(blob, 99))


def _with_format(blob: bytes, number: int) -> bytes:
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        data = {name: arrays[name] for name in arrays.files}
    data["format"] = np.array([number])
    out = io.BytesIO()
    np.savez(out, **data)
    return out.getvalue()


def test_a_model_of_the_previous_format_is_refused() -> None:
    blob = train(EXAMPLES).to_bytes()
    with pytest.raises(ValueError, match="format"):
        Suggester.from_bytes(_with_format(blob, FORMAT - 1))


def test_the_character_and_word_views_add_up_to_the_counts() -> None:
    norm = normalised(
        [
            "No water at the tap since 3 days?",
            "\u0644\u0627 \u064a\u0648\u062c\u062f \u0645\u0627\u0621",
        ]
    )
    chars, words = views(norm)
    assert (chars + words != counts(norm)).nnz == 0
    assert chars.nnz
    assert words.nnz


def test_the_sector_is_the_mean_of_its_character_and_word_heads() -> None:
    model = train(EXAMPLES)
    texts = ["the tap is broken, no water", "when is the food distribution"]
    chars, words, _both = model.features(normalised(texts))
    mean = (
        model.sector_head.probabilities(chars) + model.sector_word_head.probabilities(words)
    ) / 2
    classes = model.sector_head.classes
    assert model.sector_word_head.classes == classes
    for suggested, row in zip(model.suggest(texts), mean, strict=True):
        assert suggested.sector == classes[int(row.argmax())]
        assert suggested.sector_confidence == round(float(row.max()), 3)


def test_suggestions_learn_what_they_are_shown() -> None:
    model = train(EXAMPLES)
    water, food = model.suggest(["the tap is broken, no water", "when is the food distribution"])
    assert (water.type_code, water.sector) == ("complaint", "wash")
    assert (food.type_code, food.sector) == ("question", "food")
    for one in (water, food):
        assert 0 < one.confidence <= 1
        assert one.confidence == min(one.type_confidence, one.sector_confidence)


def test_only_the_allowed_codes_are_suggested() -> None:
    model = train(EXAMPLES)
    (one,) = model.suggest(
        ["the tap is broken, no water"], allowed={"type_code": ["question"], "sector": ["food"]}
    )
    assert (one.type_code, one.sector, one.type_confidence) == ("question", "food", 1.0)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "the guard at the warehouse says my sister can have an extra ration if she "
            "comes alone after dark",
            "exploitation",
        ),
        ("le magasinier dit qu'elle aura une ration en plus si elle vient seule", "exploitation"),
        ("ma fille de 12 ans n'est pas rentrée, elle a disparu depuis hier", "missing_child"),
        ("pitit mwen an pedi depi maten", "missing_child"),
        ("mi hija no regresó de la escuela, desapareció", "missing_child"),
        ("ابني عنده حرارة عالية ولا يستطيع التنفس", "medical"),
        ("Un hombre armado amenazó a mi familia", "violence"),
    ],
)
def test_cues_find_emergencies_with_no_alarm_word(text: str, kind: str) -> None:
    found = find_cues(normalise_for_rules(text))
    assert kind in found.kinds
    assert found.urgent


def test_a_cue_makes_a_suggestion_urgent_even_when_the_model_is_unsure() -> None:
    model = train(EXAMPLES)
    (one,) = model.suggest(["the storekeeper said extra ration if she comes alone after dark"])
    assert one.urgent
    assert one.protection
    assert "exploitation" in one.cues
    assert one.urgent_confidence >= 0.9


def test_bad_lines_in_a_data_file_are_skipped(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "messages_xx.jsonl"
    path.write_text(
        '{"text": "ok", "type": "question", "sector": "food", "urgent": false}\n'
        "not json\n"
        '["a list"]\n'
        '{"text": "", "type": "question", "sector": "food"}\n'
        '{"text": "no sector", "type": "question"}\n',
        encoding="utf-8",
    )
    assert [e.text for e in read_examples([path])] == ["ok"]
