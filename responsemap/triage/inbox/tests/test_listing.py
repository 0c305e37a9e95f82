"""The inbox at any size (triage.inbox.listing): stems in the project's languages, every
filter, the capped count, pages numbered near both ends with seeking in between, and a
number of queries that depends on neither the page, nor its size, nor the rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from responsemap.accounts.actions import do_add_member
from responsemap.accounts.models import Membership, Team, TeamMember, User
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.protection.tokens import forms, normalise
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.inbox import listing
from responsemap.triage.inbox.listing import day_range, page_of
from responsemap.triage.models import Feedback

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def inbox(client: Client, project: Project, **params: str) -> list[str]:
    response = client.get(reverse("triage:inbox", args=[project.slug]), params)
    assert response.status_code == 200
    return sorted(str(shown["reference"]) for shown in response.context["items"])


def refs(*records: Feedback) -> list[str]:
    return sorted(r.reference for r in records)


def indexed(project: Project, *texts: str) -> list[Feedback]:
    items = [NewFeedback(source="sms", content=t) for t in texts]
    return do_create_feedback_batch(project, items, None, redact_now=True)


# -- stems -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Le camp est inondé depuis lundi", "inondation"),  # French
        ("Les inondations ont tout emporté", "inondée"),
        ("The latrines were flooded", "flooding"),  # English
        ("La inundación destruyó las casas", "inundaciones"),  # Spanish
        ("الفيضانات دمرت الخيام", "فيضان"),  # Arabic
        ("Dlo a koupe nan blòk yo", "blok"),  # Haitian Creole: accents and the light form
    ],
)
def test_a_word_finds_its_other_forms_in_the_projects_languages(
    client_as: ClientFor, project: Project, written: str, searched: str
) -> None:
    (record,) = indexed(project, written)
    indexed(project, "Rien à voir: la distribution de savon")
    assert inbox(client_as("officer"), project, words=searched) == [record.reference]


def test_forms_are_the_light_stem_then_each_languages_stem() -> None:
    assert forms("inondée") == ("inondee", "inonde", "inond")
    assert "inond" in forms("inondation")
    assert "flood" in forms("flooding")
    assert "flood" in forms("flooded")
    assert forms("dlo") == ("dlo",)
    assert normalise("ÉCOLE") == "ecole"


def test_every_searched_word_must_match(client_as: ClientFor, project: Project) -> None:
    both, _water = indexed(project, "école inondée", "école sans eau")
    assert inbox(client_as("officer"), project, words="écoles inondation") == [both.reference]


# -- filters ---------------------------------------------------------------------------


def test_each_coded_filter_keeps_only_its_rows(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    area = AdminArea.objects.create(project=project, pcode="HT01", name="Jacmel", level=2)
    match = make_feedback(
        "A", type_code="complaint", urgency="high", source="hotline", sector="food", area=area
    )
    other = make_feedback("B", type_code="question", urgency="low", sector="wash")
    Feedback.objects.filter(pk=match.pk).update(status="triaged")
    officer = client_as("officer")
    for name, value in [
        ("status", "triaged"),
        ("type_code", "complaint"),
        ("urgency", "high"),
        ("source", "hotline"),
        ("sector", "food"),
        ("area", str(area.pk)),
    ]:
        assert inbox(officer, project, **{name: value}) == [match.reference], name
    assert inbox(officer, project) == refs(match, other)


def test_assignee_team_and_overdue_filters(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    team = Team.objects.create(project=project, name="Jacmel desk")
    mine, theirs, late = make_feedback("A"), make_feedback("B"), make_feedback("C")
    Feedback.objects.filter(pk=mine.pk).update(assignee=personas["officer"])
    Feedback.objects.filter(pk=theirs.pk).update(team=team)
    Feedback.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    officer = client_as("officer")
    assert inbox(officer, project, assignee=str(personas["officer"].pk)) == [mine.reference]
    assert inbox(officer, project, team=str(team.pk)) == [theirs.reference]
    assert inbox(officer, project, overdue="on") == [late.reference]


def test_sensitive_rows_and_filter_only_for_roles_that_see_them(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    sensitive = make_feedback("Threatened", sensitivity="sensitive")
    normal = make_feedback("Water")
    assert inbox(client_as("officer"), project) == [normal.reference]
    assert inbox(client_as("officer"), project, sensitivity="sensitive") == [normal.reference]
    assert inbox(client_as("protection"), project, sensitivity="sensitive") == [sensitive.reference]


def test_a_day_range_is_a_time_range_in_the_current_time_zone(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback], settings: object
) -> None:
    # 23:30 in Port-au-Prince on 2 March is 04:30 UTC on 3 March.
    zone = ZoneInfo("America/Port-au-Prince")
    late = make_feedback("late", received_at=datetime(2026, 3, 2, 23, 30, tzinfo=zone))
    make_feedback("next", received_at=datetime(2026, 3, 3, 0, 30, tzinfo=zone))
    with timezone.override(zone):
        found = Feedback.objects.filter(day_range(date(2026, 3, 2), date(2026, 3, 2)))
        assert list(found.values_list("reference", flat=True)) == [late.reference]
    sql = str(Feedback.objects.filter(day_range(date(2026, 3, 2), None)).query)
    assert 'received_at" >=' in sql
    assert "::date" not in sql
    assert "DATE(" not in sql.upper()


def test_a_reference_is_an_exact_match_however_typed(
    client_as: ClientFor, project: Project, make_feedback: Callable[..., Feedback]
) -> None:
    record = make_feedback()
    make_feedback("other")
    typed = record.reference.lower().replace("-", " ")
    assert inbox(client_as("officer"), project, q=typed) == [record.reference]


# -- my work ---------------------------------------------------------------------------


def test_my_work_is_my_open_records_and_my_teams(
    client_as: ClientFor,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    officer = personas["officer"]
    team = Team.objects.create(project=project, name="Desk")
    membership = Membership.objects.get(user=officer, project=project)
    TeamMember.objects.create(team=team, membership=membership)
    mine, teams, done, other = (make_feedback(t) for t in "ABCD")
    Feedback.objects.filter(pk=mine.pk).update(assignee=officer, status="in_progress")
    Feedback.objects.filter(pk=teams.pk).update(team=team)
    Feedback.objects.filter(pk=done.pk).update(assignee=officer, status="closed")
    Feedback.objects.filter(pk=other.pk).update(assignee=personas["manager"])
    response = client_as("officer").get(reverse("triage:my_work", args=[project.slug]))
    assert response.status_code == 200
    shown = sorted(str(s["reference"]) for s in response.context["items"])
    assert shown == refs(mine, teams)
    url = reverse("triage:my_work", args=[project.slug])
    assert client_as("operator").get(url).status_code == 404


# -- paging at scale -------------------------------------------------------------------


def _rows(project: Project, n: int) -> list[Feedback]:
    items = [
        NewFeedback(source="sms", content=f"m{i}", received_at=START + timedelta(minutes=i))
        for i in range(n)
    ]
    return do_create_feedback_batch(project, items, None)


def test_below_the_cap_pages_are_numbered_to_the_last(project: Project) -> None:
    made = _rows(project, 12)
    rows = Feedback.objects.filter(project=project)
    page = page_of(rows, "", {"page": "3"}, size=5)
    assert page.count == 12
    assert not page.capped
    assert page.num_pages == 3
    assert [r.pk for r in page.rows] == [r.pk for r in made[:2]][::-1]  # the two oldest
    assert [link.number for link in page.links] == [1, 2, 3]
    assert page.next is None
    assert page.previous == {"page": "2"}


def test_past_the_cap_the_count_stops_and_the_last_page_is_read_backwards(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    made = _rows(project, 23)  # oldest first
    newest_first = [r.pk for r in made][::-1]
    rows = Feedback.objects.filter(project=project)
    first = page_of(rows, "", {}, size=4)
    assert first.capped
    assert first.count == 11
    assert first.num_pages is None
    assert [r.pk for r in first.rows] == newest_first[:4]
    assert first.links[-1].params == {"from_end": "1"}  # "Last"
    last = page_of(rows, "", {"from_end": "1"}, size=4)
    assert [r.pk for r in last.rows] == newest_first[-4:]  # the 4 oldest, in order
    assert last.next is None
    assert last.previous == {"from_end": "2"}
    second_last = page_of(rows, "", {"from_end": "2"}, size=4)
    assert [r.pk for r in second_last.rows] == newest_first[-8:-4]


def test_seeking_walks_every_row_once_in_both_directions(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 6)
    made = _rows(project, 17)
    Feedback.objects.filter(pk__in=[made[5].pk, made[6].pk]).update(
        received_at=made[5].received_at  # a tie: broken by the id
    )
    expected = list(
        Feedback.objects.filter(project=project)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)
    )
    rows = Feedback.objects.filter(project=project)
    page = page_of(rows, "", {"page": "2"}, size=3)  # the last numbered page (6 // 3)
    seen = [r.pk for r in page_of(rows, "", {"page": "1"}, size=3).rows]
    seen += [r.pk for r in page.rows]
    pages = [page]
    while page.next and "after" in page.next:
        page = page_of(rows, "", page.next, size=3)
        seen += [r.pk for r in page.rows]
        pages.append(page)
        if not page.rows:
            break
    assert seen == expected
    # And back, from the last page seen, by "before".
    back = pages[-2]
    assert back.previous is not None
    assert "before" in back.previous
    before = page_of(rows, "", back.previous, size=3)
    assert [r.pk for r in before.rows] == [r.pk for r in pages[-3].rows]


def test_oldest_first_seeks_forwards(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 4)
    made = _rows(project, 9)
    rows = Feedback.objects.filter(project=project)
    page = page_of(rows, "oldest", {"page": "2"}, size=2)
    assert [r.pk for r in page.rows] == [made[2].pk, made[3].pk]
    after = page_of(rows, "oldest", page.next or {}, size=2)
    assert [r.pk for r in after.rows] == [made[4].pk, made[5].pk]


def test_a_bad_cursor_or_page_falls_back_to_the_first_page(project: Project) -> None:
    _rows(project, 3)
    rows = Feedback.objects.filter(project=project)
    for params in ({"after": "nonsense"}, {"page": "x"}, {"from_end": "-3"}, {"page": "99"}):
        assert page_of(rows, "", params, size=2).rows


@pytest.mark.parametrize("params", [{}, {"page": "2"}, {"from_end": "1"}, {"sort": "urgency"}])
def test_the_inbox_costs_the_same_queries_whatever_the_page_and_its_size(
    client_as: ClientFor,
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, str],
) -> None:
    from responsemap.triage.inbox import views

    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    _rows(project, 30)
    client = client_as("officer")
    url = reverse("triage:inbox", args=[project.slug])
    counts = []
    for size in (2, 5, 12):
        monkeypatch.setattr(views, "PAGE_SIZE", size)
        client.get(url, params)  # warm up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        assert len(response.context["items"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_the_exact_number_of_queries_of_an_inbox_page(
    client_as: ClientFor, project: Project
) -> None:
    _rows(project, 30)
    client = client_as("officer")
    url = reverse("triage:inbox", args=[project.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"page": "2", "sector": "food"})
    feedback = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "triage_feedback"' in q["sql"] and "triage_notification" not in q["sql"]
    ]
    # The capped count, the page's rows, and (an officer) the count of protected cases
    # not shown, which never takes the filters: nothing else reads the records.
    assert len(feedback) == 3, feedback
    assert "LIMIT 10001" in feedback[0] or "LIMIT %s" % (listing.COUNT_CAP + 1) in feedback[0]
    assert "sensitive" in feedback[2]
    assert '"sector"' not in feedback[2]


def test_pager_links_keep_the_filters_and_say_last(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_CAP", 30)
    _rows(project, 60)
    response = client_as("officer").get(
        reverse("triage:inbox", args=[project.slug]), {"source": "sms", "page": "2"}
    )
    html = response.content.decode()
    assert "more than 30" in html
    pager = html[html.index('class="pager"') :]
    assert "from_end=1" in pager
    assert ">Last<" in pager
    for link in pager.split('href="')[1:]:
        assert "source=sms" in link.split('"')[0]


def test_an_outsider_and_an_operator_get_no_inbox(
    client_as: ClientFor, project: Project, personas: dict[str, User]
) -> None:
    url = reverse("triage:inbox", args=[project.slug])
    for persona in ("operator", "partner", "donor", "outsider"):
        assert client_as(persona).get(url).status_code == 404, persona
    other = Project.objects.exclude(pk=project.pk).first()
    assert other is not None
    do_add_member(project_id=other.pk, user=personas["officer"], role_code="operator")


# -- rebuilding the index ----------------------------------------------------------------


def test_rebuild_search_tokens_remakes_old_tokens_and_is_audited(
    client_as: ClientFor, project: Project, other_project: Project
) -> None:
    from django.core.management import call_command

    from responsemap.protection.models import AuditEvent
    from responsemap.protection.tokens import search_tokens
    from responsemap.triage.models import FeedbackToken

    (record,) = indexed(project, "Le camp est inondé")
    (theirs,) = indexed(other_project, "Le camp est inondé")
    # Tokens as the light stemming alone made them: "inondation" would not find it.
    FeedbackToken.objects.filter(feedback=record).delete()
    FeedbackToken.objects.bulk_create(
        FeedbackToken(feedback=record, project=project, token=t)
        for t in search_tokens(project.pk, "le camp est inondé")
    )
    officer = client_as("officer")
    assert inbox(officer, project, words="inondation") == []
    call_command("rebuild_search_tokens", "--project", project.slug, "--batch", "1")
    assert inbox(officer, project, words="inondation") == [record.reference]
    assert AuditEvent.objects.filter(action="feedback.reindex", project_id=project.pk).exists()
    assert not AuditEvent.objects.filter(
        action="feedback.reindex", project_id=other_project.pk
    ).exists()
    assert FeedbackToken.objects.filter(feedback=theirs).exists()  # untouched


def test_a_word_search_counts_up_to_its_own_lower_cap(
    client_as: ClientFor, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "WORDS_COUNT_CAP", 2)
    indexed(project, *[f"pompe cassée {n}" for n in range(4)])
    url = reverse("triage:inbox", args=[project.slug])
    searched = client_as("officer").get(url, {"words": "pompe"})
    assert searched.context["pager"]["capped"]
    assert "more than 2" in searched.content.decode()
    assert len(searched.context["items"]) == 4  # the page itself is whole
    assert not client_as("officer").get(url).context["pager"]["capped"]
