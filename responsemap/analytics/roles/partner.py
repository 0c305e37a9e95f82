"""What a partner organisation's user sees: the figures of the referrals made to their
partner, and nothing else.

The referrals are those ``triage.referrals.queries.referral_visible_to`` gives the
user (their partner's, under agreements active today): the same rule as their list,
so a record not referred to them, or referred under an agreement that ended, counts
nowhere. A breakdown by a record's field (type, sector, area) counts only the
referrals whose agreement shares that field (``fields_allowed`` as in force now, and in
the version the referral was made under: a narrowing holds at once, a widening only for
later referrals); the others are one group "not shared under the agreement". Status,
dates and time to answer are the referral's own.

Overdue: a referral neither done nor declined ``ANSWER_DAYS`` after it was sent (the
agreements set no deadline of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responsemap.analytics.queries import Labels
from responsemap.projects.sharing.models import version_at
from responsemap.projects.sharing.queries import partner_of, versions_by_agreement
from responsemap.protection.viewer import Viewer
from responsemap.triage.referrals.models import ReferralStatus
from responsemap.triage.referrals.queries import referral_visible_to

ANSWER_DAYS = 7
OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.IN_PROGRESS)
NOT_SHARED = "__not_shared__"
# A record's fields a breakdown may use, the agreement field that allows it, its title.
FIELD_BREAKDOWNS = {
    "type_code": gettext_lazy("By type"),
    "sector": gettext_lazy("By sector"),
    "area": gettext_lazy("By area"),
}


@dataclass(frozen=True)
class Group:
    value: str
    label: str
    records: int


@dataclass(frozen=True)
class PartnerTable:
    name: str
    title: str
    groups: list[Group]


@dataclass(frozen=True)
class PartnerFigures:
    partner: str
    referrals: int
    open: int
    overdue: int
    answered: int
    mean_answer_hours: float | None
    weeks: list[tuple[date, int]]
    tables: list[PartnerTable]


def _weekly(days: list[date], since: date, until: date) -> list[tuple[date, int]]:
    weeks: dict[date, int] = {}
    start = since
    while start <= until:
        weeks[start] = 0
        start += timedelta(days=7)
    for day in days:
        if since <= day <= until:
            key = since + timedelta(days=7 * ((day - since).days // 7))
            weeks[key] += 1
    return sorted(weeks.items())


def partner_figures(
    viewer: Viewer, now: datetime, since: date, until: date, labels: Labels
) -> PartnerFigures | None:
    """The partner's referral figures for referrals sent from ``since`` to ``until``
    (UTC days); None for anyone who is not a partner's user (their page is a 404)."""
    partner = partner_of(viewer)
    if partner is None:
        return None
    rows = list(
        referral_visible_to(viewer)
        .filter(referred_at__date__gte=since, referred_at__date__lte=until)
        .order_by()
        .values_list(
            "status",
            "referred_at",
            "answered_at",
            "agreement_id",
            "agreement__version",
            "agreement__fields_allowed",
            "feedback__type_code",
            "feedback__sector",
            "feedback__area_id",
        )
    )
    late = now - timedelta(days=ANSWER_DAYS)
    counts: dict[str, dict[str, int]] = {"status": {}, **{name: {} for name in FIELD_BREAKDOWNS}}
    answer_hours: list[float] = []
    open_count = overdue = 0
    # Versions matter only for an agreement edited since (no query while none is).
    versions = versions_by_agreement({row[3] for row in rows if row[4] > 1})
    for (
        status,
        referred_at,
        answered_at,
        agreement_id,
        _version,
        now_allowed,
        type_code,
        sector,
        area_id,
    ) in rows:
        allowed = set(now_allowed or [])
        under = version_at(versions.get(agreement_id, []), referred_at)
        if under is not None:
            allowed &= set(under.fields_allowed)
        counts["status"][status] = counts["status"].get(status, 0) + 1
        if status in OPEN_STATUSES:
            open_count += 1
            if referred_at < late:
                overdue += 1
        if answered_at is not None:
            answer_hours.append((answered_at - referred_at).total_seconds() / 3600)
        record = {"type_code": type_code, "sector": sector, "area": area_id}
        for name in FIELD_BREAKDOWNS:
            value = record[name]
            key = NOT_SHARED if name not in allowed else str(value or "")
            counts[name][key] = counts[name].get(key, 0) + 1

    def words(name: str, value: str) -> str:
        if value == NOT_SHARED:
            return _("Not shared under the agreement")
        if name == "status":
            try:
                return str(ReferralStatus(value).label)
            except ValueError:
                return value
        return labels.of(name, value)

    titles = {"status": _("By referral status"), **{k: str(v) for k, v in FIELD_BREAKDOWNS.items()}}
    tables = [
        PartnerTable(
            name,
            titles[name],
            [
                Group(value, words(name, value), n)
                for value, n in sorted(table.items(), key=lambda kv: (kv[0] == NOT_SHARED, -kv[1]))
            ],
        )
        for name, table in counts.items()
    ]
    return PartnerFigures(
        partner=partner.name,
        referrals=len(rows),
        open=open_count,
        overdue=overdue,
        answered=len(answer_hours),
        mean_answer_hours=sum(answer_hours) / len(answer_hours) if answer_hours else None,
        weeks=_weekly([r[1].date() for r in rows], since, until),
        tables=tables,
    )


def figures_context(figures: PartnerFigures) -> dict[str, Any]:
    """Chart specs (``reports.svg``) of the partner's figures."""
    return {
        "weeks_chart": {
            "kind": "bar",
            "title": _("Referrals received per week"),
            "labels": [start.isoformat() for start, _n in figures.weeks],
            "series": [{"name": _("Referrals"), "values": [n for _s, n in figures.weeks]}],
            "dates": True,
        },
        "table_charts": [
            {
                "kind": "bar",
                "title": table.title,
                "labels": [g.label for g in table.groups],
                "series": [{"name": _("Referrals"), "values": [g.records for g in table.groups]}],
                "links": [None for _g in table.groups],
            }
            for table in figures.tables
        ],
    }
