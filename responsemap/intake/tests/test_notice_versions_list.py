"""The consent notice's versions, a page at a time with page numbers, found by words,
label, language, or only the version in use; the filters kept in the page links and the
queries not growing with the number of versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.intake.contacts.actions import do_set_consent_notice
from responsemap.intake.contacts.models import ConsentNotice
from responsemap.intake.contacts.queries import consent_notice_versions
from responsemap.intake.contacts.views import PAGE_SIZE
from responsemap.projects.models import Project

pytestmark = pytest.mark.django_db


def _url(project: Project, **query: str) -> str:
    url = reverse("intake_admin:notices", args=[project.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _versions(project: Project, language: str, count: int, words: str = "Nou se ONG X") -> None:
    ConsentNotice.objects.bulk_create(
        ConsentNotice(project=project, language=language, version=n, text=f"{words}, version {n}.")
        for n in range(1, count + 1)
    )


def _labels(html: str) -> list[str]:
    return [
        cell.split("</td>")[0]
        for cell in html.split('<td dir="ltr">')[1:]
        if "-v" in cell.split("</td>")[0]
    ]


def test_versions_come_a_page_at_a_time_with_page_numbers(
    client_as: Callable[[str], Client], project: Project
) -> None:
    _versions(project, "fr", 2 * PAGE_SIZE + 5)
    client = client_as("manager")
    first = client.get(_url(project)).content.decode()
    assert _labels(first)[:2] == [f"fr-v{2 * PAGE_SIZE + 5}", f"fr-v{2 * PAGE_SIZE + 4}"]
    assert len(_labels(first)) == PAGE_SIZE
    assert "Page 1 of 3" in first
    assert 'href="?page=3"' in first
    assert 'rel="next"' in first
    last = client.get(_url(project, page="3")).content.decode()
    assert _labels(last) == [f"fr-v{n}" for n in range(5, 0, -1)]
    beyond = client.get(_url(project, page="99"))  # the last page, not an error
    assert beyond.status_code == 200
    assert "Page 3 of 3" in beyond.content.decode()


def test_found_by_words_label_language_or_in_use_only(
    client_as: Callable[[str], Client], project: Project
) -> None:
    _versions(project, "fr", 3, words="Nou se ONG X")
    do_set_consent_notice(project_id=project.pk, language="en", text="We are NGO Y.")
    do_set_consent_notice(
        project_id=project.pk, language="en", text="We are NGO Y.", rights="Reply ERASE."
    )
    client = client_as("manager")
    assert _labels(client.get(_url(project, q="erase")).content.decode()) == ["en-v2"]
    assert _labels(client.get(_url(project, q="FR-V2")).content.decode()) == ["fr-v2"]
    assert _labels(client.get(_url(project, language="en")).content.decode()) == [
        "en-v2",
        "en-v1",
    ]
    in_use = client.get(_url(project, show="current")).content.decode()
    assert _labels(in_use) == ["en-v2", "fr-v3"]
    none = client.get(_url(project, q="nothing like this")).content.decode()
    assert _labels(none) == []
    assert "No version matches these filters." in none


def test_the_filters_stay_in_the_page_links(
    client_as: Callable[[str], Client], project: Project
) -> None:
    _versions(project, "fr", PAGE_SIZE + 1)
    _versions(project, "en", 3)
    page = client_as("manager").get(_url(project, language="fr")).content.decode()
    assert 'href="?language=fr&amp;page=2"' in page
    assert "en-v" not in page


def test_queries_do_not_grow_with_the_versions(
    client_as: Callable[[str], Client],
    project: Project,
    django_assert_max_num_queries: Callable[[int], Any],
) -> None:
    client = client_as("manager")
    _versions(project, "fr", 3)
    client.get(_url(project))  # warm: session, project
    with django_assert_max_num_queries(40) as few:
        client.get(_url(project))
    _versions(project, "en", 3 * PAGE_SIZE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url(project, page="2"))


def test_the_query_helper_filters_without_a_screen(project: Project) -> None:
    _versions(project, "fr", 2)
    _versions(project, "ar", 1, words="نحن منظمة")
    found = consent_notice_versions(project.pk, search="منظمة")
    assert [(n.language, n.version) for n in found] == [("ar", 1)]
    current = consent_notice_versions(project.pk, current_only=True)
    assert [(n.language, n.version) for n in current] == [("ar", 1), ("fr", 2)]
