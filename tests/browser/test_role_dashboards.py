"""The dashboards per role and the printed report in the system Chromium, on a wide
screen and a phone, in English and Arabic: the donor's summary (small counts held
back), a partner's referral figures, the organisation-level view, the report printed
to PDF with the classification mark on every page, and a dashboard chart downloaded
as SVG. Screenshots and the PDF go to ``RESPONSEMAP_SCREENSHOT_DIR`` (var/screenshots);
each PDF page is also drawn to PNG with ``pdftoppm`` when it is installed.

Needs /usr/bin/chromium (Debian's ``chromium``). Without it the test is skipped, unless
RESPONSEMAP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.accounts.queries import viewer_for
from responsemap.analytics.actions import do_rebuild_rollups
from responsemap.analytics.reports.actions import do_edit_report_narrative
from responsemap.geo.actions import do_create_area
from responsemap.projects.models import Project
from responsemap.projects.sharing.actions import (
    NewAgreement,
    do_create_agreement,
    do_create_partner,
    do_link_partner_user,
)
from responsemap.triage.actions import do_change_status
from responsemap.triage.models import Feedback
from responsemap.triage.referrals.actions import SHARE_PURPOSE, do_refer_feedback
from responsemap.triage.referrals.queries import today
from tests.browser.test_flow import sign_in

SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))
SIZES = ((1280, 900), (390, 844))

pytestmark = pytest.mark.browser


def square(x: float, y: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1, y], [x + 0.8, y + 1.2], [x, y + 1], [x, y]]],
    }


def seed(project: Project, make_feedback: Callable[..., Feedback]) -> None:
    """Four districts with a spread of records (one district small), and a few
    protection-sensitive ones; a narrative."""
    region = do_create_area(
        project_id=project.pk, pcode="XR1", name="Coast region", level=1, geometry=None
    )
    districts = [
        do_create_area(
            project_id=project.pk,
            pcode=f"XR1{n}",
            name=name,
            names={"ar": arabic},
            level=2,
            parent=region,
            geometry=square(n % 2, n // 2 * 1.1),
        )
        for n, (name, arabic) in enumerate(
            (("Harbour", "الميناء"), ("Hills", "التلال"), ("Plain", "السهل"), ("Delta", "الدلتا"))
        )
    ]
    now = datetime.now(UTC)
    kinds = [("question", "wash"), ("complaint", "food"), ("request", "shelter")]
    sizes = (30, 14, 9, 3)
    n = 0
    for district, size in zip(districts, sizes, strict=True):
        for _i in range(size):
            type_code, sector = kinds[n % 3]
            make_feedback(
                received_at=now - timedelta(days=n % 40, hours=n % 7),
                type_code=type_code,
                sector=sector,
                area=district,
                gender=("female", "male")[n % 2],
                source="hotline" if n % 4 == 0 else "sms",
            )
            n += 1
    for _i in range(3):
        make_feedback(
            received_at=now, type_code="protection", sector="protection", sensitivity="sensitive"
        )
    do_rebuild_rollups(project.pk)


def shoot(page: Any, name: str, width: int, locale: str) -> None:
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width}-{locale}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_donor_summary_report_and_pdf(
    browser: Any,
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    seed(project, make_feedback)
    manager = viewer_for(personas["manager"], project.pk)
    assert manager is not None
    do_edit_report_narrative(
        manager,
        "Water trucking began in Harbour in October; complaints about food fell after "
        "the distribution list was corrected.\n\nNext quarter: shelter repairs in Hills.",
    )
    base = str(live_server.url)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        page = context.new_page()
        sign_in(page, base, "donor")
        page.wait_for_load_state()
        page.goto(f"{base}/p/{project.slug}/dashboard/summary/")
        assert page.locator("svg").count() >= 8
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator(".held-back").count() >= 1
        shoot(page, "role-donor-summary", width, locale)

        page.goto(f"{base}/p/{project.slug}/report/")
        assert page.locator(".svg-map svg > path").count() == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, "report", width, locale)
        if width == 1280:
            page.emulate_media(media="print")
            shoot(page, "report-print", width, locale)
            pdf = SCREENSHOT_DIR / f"report-{locale}.pdf"
            page.pdf(path=str(pdf), format="A4", print_background=True)
            check_pdf(pdf, locale)
        context.close()


def check_pdf(pdf: Path, locale: str) -> None:
    """More than one page, and (with poppler) the mark on every page's text; each page
    drawn to PNG to be looked at."""
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if pdftotext is None or pdftoppm is None:
        return
    text = subprocess.run(  # noqa: S603
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    mark = {"en": "Internal", "ar": "داخلي"}[locale]
    for number, words in enumerate(pages, start=1):
        assert words.count(mark) >= 2, f"page {number} lacks the mark at its top and foot"
    subprocess.run(  # noqa: S603
        [pdftoppm, "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_partner_figures_and_organisation_view(
    browser: Any,
    live_server: Any,
    project: Project,
    other_project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
    locale: str,
) -> None:
    seed(project, make_feedback)
    viewers = {code: viewer_for(personas[code], project.pk) for code in ("manager", "officer")}
    partner = do_create_partner(viewers["manager"], "Clinique Espoir")  # type: ignore[arg-type]
    do_link_partner_user(viewers["manager"], partner.pk, personas["partner"].pk)  # type: ignore[arg-type]
    day = today()
    agreement = do_create_agreement(
        viewers["manager"],  # type: ignore[arg-type]
        NewAgreement(
            partner_id=partner.pk,
            purpose="Health follow-up",
            document_reference="DSA-2026-014",
            valid_from=day - timedelta(days=30),
            valid_to=day + timedelta(days=30),
            fields_allowed=["type_code", "sector", "area"],
            types_allowed=["complaint", "request"],
            sectors_allowed=["health"],
        ),
    )
    for n in range(4):
        record = make_feedback(
            "Please follow up",
            type_code=("complaint", "request")[n % 2],
            sector="health",
            phone="+50937990101",
            consent_given=True,
            consent_purposes=["respond", SHARE_PURPOSE],
        )
        do_change_status(viewers["officer"], record.pk, "triaged")  # type: ignore[arg-type]
        do_change_status(viewers["officer"], record.pk, "in_progress")  # type: ignore[arg-type]
        do_refer_feedback(viewers["officer"], record.pk, agreement.pk, "Please call")  # type: ignore[arg-type]
    base = str(live_server.url)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        page = context.new_page()
        sign_in(page, base, "partner")
        page.wait_for_load_state()
        page.goto(f"{base}/p/{project.slug}/dashboard/referrals/")
        assert page.locator(".figure").first.inner_text().strip() == "4"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, "role-partner", width, locale)
        context.close()

        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        page = context.new_page()
        sign_in(page, base, "manager")
        page.wait_for_load_state()
        page.goto(f"{base}/dashboards/")
        assert page.locator(".project-row").count() == 1  # beta is not theirs
        assert "Project beta" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, "role-organisation", width, locale)
        context.close()


@pytest.mark.django_db(transaction=True)
def test_dashboard_chart_downloads_as_svg(
    browser: Any,
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    make_feedback: Callable[..., Feedback],
) -> None:
    seed(project, make_feedback)
    base = str(live_server.url)
    page = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    ).new_page()
    sign_in(page, base, "officer")
    page.wait_for_load_state()
    page.goto(f"{base}/p/{project.slug}/dashboard/?sector=food")
    page.wait_for_selector("#panel-type_code .chart-download-svg")
    with page.expect_download() as download:
        page.locator("#panel-type_code .chart-download-svg").click()
    assert download.value.suggested_filename == "chart-type_code.svg"
    body = Path(download.value.path()).read_text()
    assert body.startswith("<svg")
    assert "Complaint" in body  # the filtered figures: food is all complaints here
    assert "Question" not in body
