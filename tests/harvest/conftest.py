"""Instance A, a real Datapolis portal of its own (its own folder, SQLite database and lake),
served by `datapolis serve` on 127.0.0.1: the source the harvest tests read over HTTP.

The instance under test (B) is this test process, on the configuration under test
(SQLite or PostgreSQL); it may reach 127.0.0.1 only because the tests allow it, as an
administrator allows an intranet (DATAPOLIS_FETCH_ALLOWED_NETWORKS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.api.compat.conftest import free_port, wait_until_ready

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SourcePortal:
    url: str
    api_key: str  # granted the restricted dataset `joconde`
    env: dict[str, str]


def source_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATAPOLIS_")}
    env.update({
        "DATAPOLIS_HOME": str(home),
        "DATAPOLIS_DATABASE_URL": f"sqlite:///{home / 'metadata.sqlite3'}",
        "DATAPOLIS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATAPOLIS_RATE_LIMIT_ANONYMOUS": "1000000/minute",
        "DATAPOLIS_RATE_LIMIT_AUTHENTICATED": "1000000/minute",
        "DJANGO_SETTINGS_MODULE": "datapolis.settings",
    })  # fmt: skip
    return env


@pytest.fixture(scope="module")
def source_portal(tmp_path_factory, shared_data: Path) -> Iterator[SourcePortal]:
    home = tmp_path_factory.mktemp("instance-a")
    env = source_env(home)
    seeded = subprocess.run(
        [sys.executable, str(REPO / "tests" / "harvest" / "seed_source.py"), str(shared_data)],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    api_key = json.loads(seeded.stdout.strip().splitlines()[-1])["api_key"]
    port = free_port()
    log = home / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "datapolis.cli", "serve", "--port", str(port), "--threads", "4", "--no-worker"],
            env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url + "/api/explore/v2.1/", process, log)
        yield SourcePortal(url=url, api_key=api_key, env=env)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def local_network(monkeypatch) -> None:
    """Instance B may fetch from 127.0.0.1, where instance A listens."""
    monkeypatch.setattr(settings, "DATAPOLIS_FETCH_ALLOWED_NETWORKS", ("127.0.0.1/32",))
