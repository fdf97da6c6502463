"""Every command of docs/explore-api.md runs, as written, with curl against a live server.

The page's examples query two real datasets of ../shared/data (the Vélib' stations and
Paris's hourly road counts), imported here under the ids the page uses; each command must
answer a success (curl --fail) and write the file it names.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from django.core.files.base import ContentFile

from datapolis.access.services import create_api_key
from datapolis.catalog import services
from datapolis.catalog.models import Attachment, Dataset
from tests.docs.markdown import REPO, blocks

DATA = REPO.parent / "shared" / "data" / "datasets"
PAGE = REPO / "docs" / "explore-api.md"
TOPIC = {"themes": ["Transports"], "keywords": ["mobilité", "vélo"], "publisher": "Ville de Paris"}

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def documented_curls() -> list[tuple[int, str]]:
    return [
        (line, text) for block in blocks("sh", pages=[PAGE]) for line, text in block.lines() if text.startswith("curl")
    ]


@pytest.fixture
def documented_site(live_server, catalog_store) -> dict[str, str]:
    """The page's datasets on a live server, and the variables its commands use."""
    services.import_file(DATA / "velib" / "velib-emplacement-des-stations.csv", "velib-stations",
                         metadata={"title": "Vélib' : emplacement des stations", **TOPIC})  # fmt: skip
    counts = DATA / "comptages-routiers-paris" / "comptages-routiers-permanents-washington.csv"
    services.import_file(counts, "comptages-routiers", metadata={"title": "Comptages routiers permanents", **TOPIC})
    stations = Dataset.objects.get(dataset_id="velib-stations")
    notice = (DATA.parent / "README.md").read_bytes()
    Attachment.objects.create(dataset=stations, attachment_id="notice", title="Notice", mimetype="text/markdown",
                              file=ContentFile(notice, name="notice.md"))  # fmt: skip
    User.objects.create_user("developpeuse")
    _, key = create_api_key("developpeuse")
    base = f"{live_server.url}/api/explore/v2.1"
    first = requests.get(f"{base}/catalog/datasets/velib-stations/records?limit=1&include_links=true", timeout=30)
    return {"BASE": base, "KEY": key, "RECORD_ID": first.json()["results"][0]["_id"]}


def run_curl(command: str, variables: dict[str, str], folder: Path) -> subprocess.CompletedProcess:
    """The documented command, failing on an HTTP error, its body kept when it writes none."""
    writes = {"-o", "-O"} & set(shlex.split(command))
    extra = "--fail-with-body --silent --show-error" + ("" if writes else " -o response.body")
    return subprocess.run(["bash", "-c", f"{command} {extra}"], cwd=folder, env={**os.environ, **variables},
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_page_shows_the_api_with_curl() -> None:
    commands = documented_curls()
    assert len(commands) >= 25
    assert all("$BASE" in command for _, command in commands)


def test_every_documented_command_answers(documented_site: dict[str, str], tmp_path: Path) -> None:
    failures = []
    for line, command in documented_curls():
        done = run_curl(command, documented_site, tmp_path)
        if done.returncode != 0:
            body = (
                (tmp_path / "response.body").read_text(errors="replace")[:300]
                if (tmp_path / "response.body").exists()
                else ""
            )
            failures.append(
                f"explore-api.md:{line}: {command}\n  -> curl {done.returncode} {done.stderr.strip()} {body}"
            )
    assert failures == [], "\n".join(failures)
    for name in ("catalog.csv", "catalog.xlsx", "notice", "stations.csv", "stations.geojson", "stations-l93.zip",
                 "comptages.parquet"):  # fmt: skip
        assert (tmp_path / name).stat().st_size > 0, name
