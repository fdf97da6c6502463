"""A real `datapolis serve` process on this test's databases, seeded with real datasets.

Black-box clients (schemathesis with the official OpenAPI spec, Opendatasoft's own npm
client) talk to it over HTTP exactly as they would to a portal in production: Granian,
WhiteNoise, collected static files, the portal middleware.
"""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User

from datapolis.access.models import Grant
from datapolis.access.services import create_api_key
from datapolis.catalog import services
from datapolis.catalog.models import Dataset
from datapolis.catalog.storage import use_store
from tests.conftest import instance_store

REPO = Path(__file__).resolve().parents[3]
API_PATH = "/api/explore/v2.1"
STARTUP_SECONDS = 90


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:PORT
    api_key: str  # a key granted the restricted dataset
    log: Path

    @property
    def api(self) -> str:
        return self.url + API_PATH


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_csv(path: Path, delimiter: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.fixture
def raw(shared_datasets: Path) -> dict[str, object]:
    """The seeded files as read independently of Datapolis, for expected values."""
    return {
        "velib": read_csv(shared_datasets / "velib" / "velib-emplacement-des-stations.csv", ";", "utf-8-sig"),
        "no2": read_csv(shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv", ";"),
        "arrondissements": json.loads((shared_datasets / "paris" / "arrondissements.geojson").read_text())["features"],
        "joconde": read_csv(shared_datasets / "joconde" / "joconde.csv", "|"),
    }


def seed(env: dict[str, str], shared_datasets: Path) -> str:
    """Import the datasets into the instance's lake; return an API key granted the restricted one."""
    store = instance_store(env)
    use_store(store)
    try:
        services.import_file(
            shared_datasets / "velib" / "velib-emplacement-des-stations.csv",
            "velib",
            metadata={"title": "Vélib' - emplacement des stations", "themes": ["Transports"],
                      "keywords": ["vélo", "mobilité"], "publisher": "Ville de Paris"},
        )  # fmt: skip
        services.import_file(
            shared_datasets / "qualite-air-pays-de-la-loire" / "mesures_NO2.csv",
            "mesures-no2",
            metadata={"title": "Mesures de NO2 en Pays de la Loire", "themes": ["Environnement"],
                      "publisher": "Air Pays de la Loire", "license": "odbl-1.0"},
        )  # fmt: skip
        services.import_file(
            shared_datasets / "paris" / "arrondissements.geojson",
            "arrondissements",
            metadata={"title": "Arrondissements de Paris", "themes": ["Territoire"], "publisher": "Ville de Paris"},
        )
        services.import_file(
            shared_datasets / "joconde" / "joconde.csv",
            "joconde",
            visibility="restricted",
            metadata={"title": "Collections des musées (Joconde)", "themes": ["Culture"]},
        )
    finally:
        use_store(None)
        store.close()
    agent = User.objects.create_user("agent")
    Grant.objects.create(dataset=Dataset.objects.get(dataset_id="joconde"), user=agent)
    _api_key, key = create_api_key("agent")
    return key


@pytest.fixture
def server(instance_env: dict[str, str], shared_datasets: Path, tmp_path: Path) -> Iterator[Server]:
    key = seed(instance_env, shared_datasets)
    port = free_port()
    # Black-box clients send thousands of requests from one address: lift the per-IP limits.
    env = {**instance_env, "DATAPOLIS_RATE_LIMIT_ANONYMOUS": "1000000/minute", "DATAPOLIS_RATE_LIMIT_AUTHENTICATED":
           "1000000/minute"}  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "datapolis.cli", "serve", "--port", str(port), "--threads", "4"],
            env=env,
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(url + API_PATH + "/", process, log)
        yield Server(url=url, api_key=key, log=log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server stopped:\n{log.read_text()}"
        try:
            if requests.get(url, timeout=30).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still starting up
            pass
        time.sleep(0.3)
    raise AssertionError(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")
