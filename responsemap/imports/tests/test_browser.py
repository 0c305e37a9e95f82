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
    page.click("nav >> text=Import")
    page.set_input_files("input[type=file]", str(export))
    page.click("text=Upload and match columns")
    page.wait_for_url("**/mapping/")
    assert page.input_value("select[name=col_key]") == "15"  # _uuid, suggested
    page.check("input[name=keep_phone]")
    page.screenshot(path=str(SCREENSHOT_DIR / "import-mapping.png"), full_page=True)
    page.click("text=Check the file")
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
