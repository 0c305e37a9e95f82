"""The organisation-level view: the projects a person may see dashboards of, side by
side (records per week, key figures, emerging concerns of each).

Which projects: ``projects.queries.projects_visible_to`` (active memberships of
projects in design or active), and of those only the ones where the person's role
holds ``view_dashboards``. A project the person may not see never appears, not even
its name (the names are shown as ``present()`` shows them to anyone, like the project
switcher). Each project's figures obey that project's rules for this person:
``queries.emerging_concerns`` leaves sensitive records out for a role without
``view_sensitive``; for a role that may not see records at all (a donor) the weekly
counts and totals are those of the protected months every outside page reads
(``analytics.protected``, ADR 0010): a week is the sum of its parts in the months it
touches, the totals the sum of the weeks, held back if any part is; no emerging
concerns are shown (they are breakdowns).

Queries: one for the projects, one a project for its viewer (``viewer_for``), one for
every project's weekly totals, then per project three capped counts (open urgent,
critical, overdue) and one for its concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.utils.translation import get_language

from responsemap.accounts.queries import viewer_for
from responsemap.analytics import queries
from responsemap.analytics.models import RollupMargin
from responsemap.analytics.protected.months import (
    key,
    months_between,
    period_sum,
    protected_months,
)
from responsemap.analytics.queries import Labels
from responsemap.analytics.rollups import ALL
from responsemap.projects.queries import projects_visible_to
from responsemap.protection.present import PUBLIC, present_many
from responsemap.protection.viewer import Viewer

WEEKS = 12


@dataclass(frozen=True)
class ProjectFigures:
    slug: str
    name: str
    records: int | None
    responded: int | None
    mean_response_hours: float | None
    open_cases: queries.OpenCases | None
    weeks: list[tuple[date, int | None]]
    concerns: list[queries.Concern]
    coarse: bool  # shown as to a donor (suppressed, no concerns)


def dashboard_viewers(user: Any) -> list[tuple[Any, Viewer]]:
    """(project, viewer) for every project whose dashboards the user may see."""
    found = []
    for project in projects_visible_to(user):
        viewer = viewer_for(user, project.pk)
        if viewer is not None and queries.may_see_dashboard(viewer):
            found.append((project, viewer))
    return found


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, this one included."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def organisation_figures(user: Any, now: datetime) -> list[ProjectFigures]:
    today = now.date()
    pairs = dashboard_viewers(user)
    if not pairs:
        return []
    starts = week_starts(today)
    rows = (
        RollupMargin.objects.filter(
            project_id__in=[p.pk for p, _v in pairs],
            dimension=ALL,
            day__gte=starts[0],
            day__lte=today,
        )
        .values("project_id", "day")
        .annotate(
            records=Sum("records"), responded=Sum("responded"), minutes=Sum("response_minutes")
        )
        .order_by()
        .values_list("project_id", "day", "records", "responded", "minutes")
    )
    weekly: dict[Any, dict[date, int]] = {p.pk: dict.fromkeys(starts, 0) for p, _v in pairs}
    sums: dict[Any, list[int]] = {p.pk: [0, 0, 0] for p, _v in pairs}
    for project_id, day, records, responded, minutes in rows:
        start = day - timedelta(days=day.weekday())
        weekly[project_id][start] = weekly[project_id].get(start, 0) + int(records or 0)
        total = sums[project_id]
        total[0] += int(records or 0)
        total[1] += int(responded or 0)
        total[2] += int(minutes or 0)
    names = present_many([p for p, _v in pairs], PUBLIC, "organisation dashboard")
    language = get_language() or ""
    found = []
    for (project, viewer), shown in zip(pairs, names, strict=True):
        records, responded, minutes = sums[project.pk]
        weeks: list[tuple[date, int | None]] = sorted(weekly[project.pk].items())
        coarse = not viewer.can("view_feedback")
        if coarse:
            records_shown, responded_shown, weeks, minutes = _protected(project.pk, starts, today)
            concerns: list[queries.Concern] = []
            cases = None
        else:
            records_shown, responded_shown = records, responded
            concerns = queries.emerging_concerns(viewer, today, labels=Labels(project.pk, language))
            cases = queries.open_cases(viewer, now)
        found.append(
            ProjectFigures(
                slug=project.slug,
                name=str(shown["name"].value),
                records=records_shown,
                responded=responded_shown,
                mean_response_hours=(
                    minutes / responded / 60 if responded and responded_shown is not None else None
                ),
                open_cases=cases,
                weeks=weeks,
                concerns=concerns,
                coarse=coarse,
            )
        )
    return found


def _protected(
    project_id: Any, starts: list[date], today: date
) -> tuple[int | None, int | None, list[tuple[date, int | None]], int]:
    """The weeks and totals as every outside page shows them (``analytics.protected``):
    records, responded, the weeks, and the response minutes of the weeks."""
    found = protected_months(project_id, months_between(starts[0], today))
    weeks: list[tuple[date, int | None]] = []
    responded: int | None = 0
    minutes = 0
    for start in starts:
        cell = key("week", "records", start.isoformat())
        answered = key("week", "responded", start.isoformat())
        parts = [m for m in found if cell in m.cells]
        weeks.append((start, period_sum(parts, [cell])))
        week_responded = period_sum(parts, [answered])
        responded = (
            None if responded is None or week_responded is None else responded + week_responded
        )
        minutes += sum(
            int(m.stats.get("week_minutes", {}).get(start.isoformat(), 0)) for m in parts
        )
    records = None if any(n is None for _s, n in weeks) else sum(n or 0 for _s, n in weeks)
    return records, responded, weeks, minutes
