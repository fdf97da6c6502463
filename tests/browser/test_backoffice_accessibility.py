"""Every back-office page: no serious or critical axe-core violation, and no sideways scrolling on a phone.

Pages are visited in French on a desktop and in English on a phone-sized screen, with a
dataset of two versions, a preview, a failed preview and an import job to show.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from datapolis.access.models import PublisherRole
from datapolis.backoffice import services
from datapolis.backoffice.uploads import StoredFile, new_stored_name, uploads_folder
from datapolis.catalog import services as catalog
from datapolis.jobs.models import Job, JobStatus
from datapolis.portals.services import default_portal
from tests.backoffice.conftest import ORGANISATION, PASSWORD, french_csv
from tests.browser.test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stored_upload(user, name: str, text: str | None = None, *, rows: int = 30, dataset=None):
    stored_name = new_stored_name(name)
    path = uploads_folder() / stored_name
    if text is None:
        french_csv(path, rows=rows)
    else:
        path.write_text(text, encoding="utf-8")
    stored = StoredFile(name, stored_name, path.stat().st_size, "text/csv")
    return services.read_preview(services.start_from_file(stored, user=user, portal=default_portal(), dataset=dataset))


@pytest.fixture
def pages(site: str, settings, tmp_path: Path) -> list[str]:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    user = User.objects.create_user("agent", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    metadata = {"title": "Communes", "publisher": ORGANISATION}
    catalog.import_file(french_csv(tmp_path / "v1.csv", rows=10), "communes", metadata=metadata)
    catalog.import_file(french_csv(tmp_path / "v2.csv", rows=12, seed=2), "communes", actor=user)
    good = stored_upload(user, "nouvelles-communes.csv")
    services.save_metadata(good, {"dataset_id": "nouvelles", "title": "Nouvelles", "publisher": ORGANISATION})
    bad = stored_upload(user, "cassé.csv", "a;b\n1;2\n3;4;5\n")
    job = Job.objects.create(kind="backoffice_import", dataset_id="communes", created_by=user, status=JobStatus.RUNNING)
    failed = Job.objects.create(
        kind="backoffice_import",
        dataset_id="communes",
        created_by=user,
        status=JobStatus.FAILED,
        error={"code": "ragged_row", "template": "This row has %(found)d cells where the header has %(expected)d.",
               "params": {"found": 3, "expected": 2}, "line": 3, "column": 3},
    )  # fmt: skip
    return [
        "/backoffice/",
        "/backoffice/new/",
        f"/backoffice/uploads/{good.pk}/preview/",
        f"/backoffice/uploads/{good.pk}/fields/",
        f"/backoffice/uploads/{good.pk}/description/",
        f"/backoffice/uploads/{bad.pk}/preview/",
        "/backoffice/datasets/communes/",
        "/backoffice/datasets/communes/description/",
        "/backoffice/datasets/communes/fields/",
        "/backoffice/datasets/communes/replace/",
        "/backoffice/datasets/communes/delete/",
        f"/backoffice/jobs/{job.pk}/",
        f"/backoffice/jobs/{failed.pk}/",
    ]


@pytest.mark.parametrize(("language", "width"), [("fr", 1280), ("en", 390)])
def test_back_office_pages_are_accessible_and_fit_a_phone(page: Page, pages, screenshot, language: str, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/?next=/backoffice/")
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button[type=submit]").click()
    page.locator("input[name=username]").fill("agent")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/backoffice/")

    violations, overflowing = {}, {}
    for index, path in enumerate(pages):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        found = serious_violations(page)
        if found:
            violations[path] = found
        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll[0] > scroll[1]:
            overflowing[path] = scroll
        screenshot(f"{index:02d}-{language}-{width}", full_page=False)
    assert violations == {}
    assert overflowing == {}
    assert page.javascript_errors == []
