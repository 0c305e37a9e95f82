"""The model's features: n-grams as documented, hashed the same in every process."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from responsemap.triage.suggestions.features import (
    N_FEATURES,
    char_ngrams,
    counts,
    fold_digits,
    unit_rows,
    word_ngrams,
)


def test_character_ngrams_stay_inside_padded_words() -> None:
    grams = list(char_ngrams("dlo a"))
    assert grams[:4] == [" d", "dl", "lo", "o "]  # sizes 2 … 5 of " dlo "
    assert " dlo " in grams
    assert [g for g in grams if "a" in g] == [" a", "a ", " a "]  # short: whole, once
    assert not any(" " in g.strip() for g in grams)  # never across two words


def test_word_ngrams_are_words_and_neighbour_pairs() -> None:
    assert list(word_ngrams("no water since monday")) == [
        "no",
        "water",
        "since",
        "monday",
        "no water",
        "water since",
        "since monday",
    ]


def test_counts_and_unit_rows() -> None:
    matrix = counts(["dlo koupe", ""], ["dlo koupe", ""])
    assert matrix.shape == (2, N_FEATURES)
    assert matrix[1].nnz == 0
    unit = unit_rows(matrix)
    assert np.isclose(unit[0].multiply(unit[0]).sum(), 1.0)
    assert unit[1].nnz == 0


def test_the_hash_does_not_depend_on_the_process() -> None:
    """CRC-32, not Python's salted ``hash()``: a model trained in one process scores
    the same in another."""
    code = (
        "from responsemap.triage.suggestions.features import counts;"
        "print(sorted(counts(['bonjou dlo'], ['bonjou dlo']).indices.tolist()))"
    )
    runs = {
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    here = str(sorted(counts(["bonjou dlo"], ["bonjou dlo"]).indices.tolist())) + "\n"
    assert runs == {here}


def test_scoring_a_model_needs_no_scikit_learn() -> None:
    code = (
        "import sys, django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'responsemap.test_settings';"
        "django.setup();"
        "import responsemap.triage.suggestions.birth;"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_every_run_of_digits_counts_as_one_zero() -> None:
    """A number is a feature, which number is not: block 14 and block 3 (and ١٤, in
    Arabic-Indic digits) are the same n-grams, so no number can come to mean urgent."""
    assert fold_digits("bloc 14, tente 3 le 12/04 ١٤") == "bloc 0, tente 0 le 0/0 0"
    fourteen = counts(["bloc 14"], ["bloc 14"])
    assert sorted(fourteen.indices.tolist()) == sorted(
        counts(["bloc 3"], ["bloc 3"]).indices.tolist()
    )
    assert sorted(fourteen.indices.tolist()) == sorted(
        counts(["bloc ١٤"], ["bloc ١٤"]).indices.tolist()
    )
    assert sorted(fourteen.indices.tolist()) != sorted(counts(["bloc"], ["bloc"]).indices.tolist())
