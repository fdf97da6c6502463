"""A live `datapolis serve` (Granian, two web workers, a job worker) for the attack replays.

The suite runs in both passes of scripts/test: on SQLite + local files, and on PostgreSQL.
Rate limits are lifted: the attacks are replayed from one address, and the limits have
their own tests (tests/access/test_rate_limits.py, test_page_rate_limits.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User

from datapolis.access import services as access
from datapolis.access.models import PublisherRole
from datapolis.access.services import Holder, create_api_key
from datapolis.catalog import services
from datapolis.catalog.storage import use_store
from tests.cli.test_serve import Server, served
from tests.conftest import instance_store

PASSWORD = "correct horse battery staple"
VISIBLE_FIELDS = ["identifiant_station", "nom_de_la_station"]


@dataclass(frozen=True)
class Live:
    server: Server
    home: Path
    env: dict[str, str]
    reader_key: str  # sees velib-prive's two VISIBLE_FIELDS only

    @property
    def url(self) -> str:
        return self.server.url

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=60, **kwargs)

    def answers(self) -> bool:
        """The server is up and serves data (not only a page): the published dataset's records."""
        response = self.get("/api/explore/v2.1/catalog/datasets/velib/records", params={"limit": 1})
        return response.status_code == 200 and response.json()["total_count"] > 0


def seed(env: dict[str, str], shared_datasets: Path) -> str:
    velib = shared_datasets / "velib" / "velib-emplacement-des-stations.csv"
    store = instance_store(env)
    use_store(store)
    try:
        services.import_file(velib, "velib", metadata={"title": "Vélib'", "publisher": "Ville de Paris"})
        services.import_file(velib, "velib-prive", visibility="restricted", metadata={"title": "Vélib' (privé)"})
    finally:
        use_store(None)
        store.close()
    User.objects.create_user("reader", password=PASSWORD)
    agent = User.objects.create_user("agent", password=PASSWORD)
    PublisherRole.objects.create(user=agent, organisation="Ville de Paris")
    access.grant("velib-prive", Holder(user="reader"), fields=VISIBLE_FIELDS)
    return create_api_key("reader")[1]


@pytest.fixture
def live(instance_env: dict[str, str], shared_datasets: Path, tmp_path: Path) -> Iterator[Live]:
    key = seed(instance_env, shared_datasets)
    env = {
        **instance_env,
        "DATAPOLIS_RATE_LIMIT_ANONYMOUS": "1000000/minute",
        "DATAPOLIS_RATE_LIMIT_AUTHENTICATED": "1000000/minute",
    }
    with served(env, tmp_path / "server.log", "--workers", "2") as server:
        yield Live(server, Path(instance_env["DATAPOLIS_HOME"]), env, key)
