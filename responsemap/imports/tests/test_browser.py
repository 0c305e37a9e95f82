"""The import flow in the system Chromium: upload, match columns, check, import, result;
and the progress page refreshing itself without JavaScript.

Skipped without /usr/bin/chromium unless RESPONSEMAP_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from responsemap.accounts.models import User
from responsemap.geo.models import AdminArea
from responsemap.imports.models import ImportJob
from responsemap.imports.tests.kobo import BAD_ROWS, GOOD, csv_bytes
from responsemap.projects.models import Project
from responsemap.testing import PASSWORD
from responsemap.triage.models import Feedback

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT_DIR = Path(os.environ.get("RESPONSEMAP_SCREENSHOT_DIR", "var/screenshots"))

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("RESPONSEMAP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls of the test itself
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield instance
        instance.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.mark.django_db(transaction=True)
def test_import_flow_in_a_browser(
    browser: Any,
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    area: AdminArea,
    tmp_path: Path,
) -> None:
    base = str(live_server.url)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    export = tmp_path / "kobo-export.csv"
    export.write_bytes(csv_bytes(GOOD + BAD_ROWS))

    page = browser.new_context(viewport={"width": 1100, "height": 1000}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/p/{project.slug}/")
    page.locator(".nav-more > summary").click()  # Import is folded under "More"
    page.click("nav >> text=Import")
    page.set_input_files("input[type=file]", str(export))
    page.click("text=Upload and match columns")
    page.wait_for_url("**/mapping/")
    assert page.input_value("select[name=col_key]") == "15"  # _uuid, suggested
    page.check("input[name=keep_phone]")
    page.screenshot(path=str(SCREENSHOT_DIR / "import-mapping.png"), full_page=True)
    page.click("text=Check the file")
    page.wait_for_url("**/recodes/")  # the coded columns' values, as suggested
    page.click("#recode-form button[type=submit]")
    page.wait_for_url("**/check/")
    assert page.inner_text("#count-ok") == "3"
    assert page.inner_text("#count-failed") == "2"
    page.screenshot(path=str(SCREENSHOT_DIR / "import-check.png"), full_page=True)
    page.click("text=Import 3 rows")
    page.wait_for_selector("#count-created")
    assert page.inner_text("#count-created") == "3"
    page.screenshot(path=str(SCREENSHOT_DIR / "import-done.png"), full_page=True)
    assert Feedback.objects.filter(project=project, source="import").count() == 3

    # A running import, as the worker leaves it between two batches.
    job = ImportJob.objects.get(project=project)
    ImportJob.objects.filter(pk=job.pk).update(state="running", processed=2, total=5)
    page.goto(f"{base}/p/{project.slug}/imports/{job.pk}/")
    assert page.inner_text("label[for=import-progress]").strip() == "2 of 5 rows"
    page.screenshot(path=str(SCREENSHOT_DIR / "import-progress.png"), full_page=True)
    ImportJob.objects.filter(pk=job.pk).update(processed=4)
    page.wait_for_function(
        "document.querySelector('label[for=import-progress]')?.textContent.includes('4 of 5')",
        timeout=60_000,  # ends at the first refresh; generous for a loaded machine
    )  # the <meta> refresh, no script of ours


@pytest.mark.django_db(transaction=True)
def test_kobo_xlsx_with_a_repeat_group_in_a_browser(
    browser: Any,
    live_server: Any,
    project: Project,
    personas: dict[str, User],
    area: AdminArea,
    tmp_path: Path,
) -> None:
    """A KoboToolbox XLSX whose comments are in a repeat group's sheet: the sheets
    chosen, the comment added to the text, a value recoded, checked and imported."""
    from responsemap.imports.tests.exports import kobo_xlsx
    from responsemap.protection.present import open_for_system
    from responsemap.protection.system_opens import SystemPurpose

    base = str(live_server.url)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    export = tmp_path / "kobo-feedback.xlsx"
    export.write_bytes(kobo_xlsx())

    def shots(page: Any, name: str) -> None:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways at {width} px"
        page.set_viewport_size({"width": 1100, "height": 1000})

    page = browser.new_context(viewport={"width": 1100, "height": 1000}).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/p/{project.slug}/imports/")
    page.set_input_files("input[type=file]", str(export))
    page.click("text=Upload and match columns")
    page.wait_for_url("**/mapping/")
    page.click("text=Choose the sheets to import")
    page.wait_for_url("**/sheets/")
    shots(page, "import-sheets")
    page.check("input[name=others][value='1']")
    page.click("text=Use these sheets")
    page.wait_for_url("**/mapping/")
    # The repeat group's comment, offered as more text, already ticked.
    assert page.is_checked("#more-text label:has-text('comments/comment') input")
    assert page.input_value("select[name=col_phone]") == ""  # not the device's number
    shots(page, "import-mapping-kobo")
    page.click("text=Check the file")
    page.wait_for_url("**/recodes/")
    shots(page, "import-recodes")
    page.select_option("label:has-text('feedback') + select", "suggestion")
    page.click("#recode-form button[type=submit]")
    page.wait_for_url("**/check/", timeout=60_000)
    assert page.inner_text("#count-ok") == "3"
    page.click("text=Import 3 rows")
    page.wait_for_selector("#count-created", timeout=60_000)
    assert page.inner_text("#count-created") == "3"

    records = Feedback.objects.filter(project=project, source="import")
    texts = {open_for_system(f, "content", purpose=SystemPurpose.TEST) or "": f for f in records}
    text = next(t for t in texts if t.startswith("Pa gen dlo"))
    assert "The tap at block C leaks" in text
    suggestion = next(f for t, f in texts.items() if t.startswith("Distribution"))
    assert (suggestion.type_code, suggestion.area_id) == ("suggestion", area.pk)

    # In Arabic (right to left), on a phone: the same screens, nothing off the side.
    arabic = browser.new_context(
        viewport={"width": 390, "height": 900},
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
    ).new_page()
    arabic.goto(f"{base}/accounts/login/")
    arabic.fill("input[name=login]", "officer")
    arabic.fill("input[name=password]", PASSWORD)
    arabic.click("button[type=submit]")
    arabic.wait_for_load_state()
    arabic.goto(f"{base}/p/{project.slug}/imports/")
    arabic.set_input_files("input[type=file]", str(export))
    arabic.click("form[enctype] button[type=submit]")
    arabic.wait_for_url("**/mapping/")
    assert arabic.get_attribute("html", "dir") == "rtl"
    job = ImportJob.objects.filter(project=project).latest("created_at")
    for step in ("mapping", "sheets", "recodes"):
        arabic.goto(f"{base}/p/{project.slug}/imports/{job.pk}/{step}/")
        arabic.screenshot(path=str(SCREENSHOT_DIR / f"import-{step}-ar-390.png"), full_page=True)
        overflow = arabic.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{step} scrolls sideways in Arabic"
