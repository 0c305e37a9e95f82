"""The keyed token index: what a word becomes, and that only its project's key makes it."""

from __future__ import annotations

import pytest

from responsemap.projects.models import Project
from responsemap.protection.keyring import get_keyring
from responsemap.protection.tokens import MAX_SEARCH_WORDS, search_tokens, tokens_for, words


def test_words_are_case_folded_unaccented_and_singular() -> None:
    assert words("Les ÉCOLES de Jérémie, l'eau des camps!") == [
        "les",
        "ecole",
        "de",
        "jeremie",
        "eau",
        "des",
        "camp",
    ]


def test_placeholders_and_one_letter_words_are_not_words() -> None:
    assert words("[NAME] a dit: y [PHONE] 3") == ["dit"]


def test_each_distinct_word_is_one_token() -> None:
    assert words("eau Eau EAUX eaux") == ["eau"]


@pytest.mark.django_db
def test_a_word_gives_the_same_token_in_its_project_and_another_elsewhere(
    project: Project, other_project: Project
) -> None:
    mine = tokens_for(project.pk, "école")
    # The same light form first (a plural's s dropped); the plural has a form more.
    assert mine[0] == tokens_for(project.pk, "ECOLES")[0]
    assert set(mine) <= set(tokens_for(project.pk, "ECOLES"))
    assert not set(mine) & set(tokens_for(other_project.pk, "école"))
    assert all(-(2**63) <= t < 2**63 for t in mine)  # fits a bigint column


@pytest.mark.django_db
def test_a_rotation_keeps_the_tokens(project: Project) -> None:
    before = tokens_for(project.pk, "latrine")
    get_keyring().rotate(project.pk)
    assert tokens_for(project.pk, "latrine") == before


@pytest.mark.django_db
def test_a_search_is_cut_to_its_first_words(project: Project) -> None:
    query = " ".join(f"word{n}" for n in range(MAX_SEARCH_WORDS + 5))
    assert len(search_tokens(project.pk, query)) == MAX_SEARCH_WORDS
