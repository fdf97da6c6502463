"""Fixtures shared by every test package.

The test script runs the suite twice: on the embedded configuration, and with
DATAPOLIS_DATABASE_URL / DATAPOLIS_LAKE_CATALOG_URL pointing at the PostgreSQL server.
The `store` fixture follows the same switch, giving each test its own DuckLake catalog
(a SQLite file, or a PostgreSQL schema dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings

from datapolis.conf import parse_hosts
from datapolis.engine import LakeLocation, Store

pytest_plugins = ["tests.playwright_fixtures", "tests.pygeoapi_fixtures"]

REPO = Path(__file__).resolve().parents[1]
# The host names tests send (Django's test client sends `testserver`); the first one is the
# default portal's. pytest-django has read the settings already: they are given the value
# too; child processes (`datapolis serve`) inherit the environment.
os.environ.setdefault("DATAPOLIS_ALLOWED_HOSTS", "data.example.fr,testserver")
django_settings.DATAPOLIS_ALLOWED_HOSTS = parse_hosts("DATAPOLIS_ALLOWED_HOSTS", os.environ["DATAPOLIS_ALLOWED_HOSTS"])


def _find_shared_data() -> Path:
    """`$DATAPOLIS_SHARED_DATA`, else the `shared/data` beside the checkout or beside a folder holding it."""
    if "DATAPOLIS_SHARED_DATA" in os.environ:
        return Path(os.environ["DATAPOLIS_SHARED_DATA"])
    for folder in REPO.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    return REPO.parent / "shared" / "data"


SHARED_DATA = _find_shared_data()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets of ../shared/data (see its README)."""
    assert SHARED_DATA.is_dir(), f"shared test data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_datasets(shared_data: Path) -> Path:
    return shared_data / "datasets"


def lake_catalog_url() -> str | None:
    """The PostgreSQL server of the lake catalogs under test (without the instance's `?schema=`), if any."""
    url = os.environ.get("DATAPOLIS_LAKE_CATALOG_URL")
    return url.split("?", 1)[0] if url else None


@pytest.fixture(scope="session", autouse=True)
def fresh_instance_lake() -> None:
    """On PostgreSQL, the instance's own lake (tests that read through the global store) starts empty.

    Its schema outlives a run, and DuckLake refuses to attach it with another DATA_PATH:
    the next run's instance folder is a new temporary one. Tests with their own lake
    (`lake_location`) use schemas of their own.
    """
    url = os.environ.get("DATAPOLIS_LAKE_CATALOG_URL")
    if not url:
        return
    schema = LakeLocation.from_urls(REPO, url, None).metadata_schema
    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as pg:
        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def new_lake_location(folder: Path) -> Iterator[LakeLocation]:
    """A fresh, empty lake in `folder`, on the configuration under test, dropped afterwards."""
    url = lake_catalog_url()
    local = LakeLocation.local(folder / "lake")
    if not url:
        yield local
        return
    schema = f"test_lake_{uuid.uuid4().hex[:12]}"
    base = LakeLocation.from_urls(folder / "lake", url, None)
    yield LakeLocation(
        catalog=base.catalog,
        data_path=local.data_path,
        metadata_schema=schema,
        temp_directory=local.temp_directory,
    )
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def lake_location(tmp_path: Path) -> Iterator[LakeLocation]:
    """A fresh, empty lake for one test, on the configuration under test."""
    with new_lake_location(tmp_path) as location:
        yield location


@pytest.fixture
def store(lake_location: LakeLocation) -> Iterator[Store]:
    store = Store(lake_location)
    yield store
    store.close()


@pytest.fixture
def catalog_store(store: Store) -> Iterator[Store]:
    """Make the catalog services use this test's lake."""
    from datapolis.catalog.storage import use_store

    use_store(store)
    yield store
    use_store(None)


@pytest.fixture
def instance_env(transactional_db, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a real `datapolis` process sharing this test's databases.

    The metadata database is pytest-django's test database; the lake is a fresh one
    (a SQLite catalog in the instance folder, or its own PostgreSQL schema).
    """
    from django.db import connection

    home = tmp_path / "instance"
    home.mkdir()
    env = {**os.environ, "DATAPOLIS_HOME": str(home)}
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATAPOLIS_DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
        env.pop("DATAPOLIS_LAKE_CATALOG_URL", None)
    else:
        base = os.environ["DATAPOLIS_DATABASE_URL"].rsplit("/", 1)[0]
        env["DATAPOLIS_DATABASE_URL"] = f"{base}/{settings_dict['NAME']}"
        schema = f"test_lake_{uuid.uuid4().hex[:12]}"
        env["DATAPOLIS_LAKE_CATALOG_URL"] = f"{lake_catalog_url()}?schema={schema}"
        yield env
        with psycopg.connect(lake_catalog_url(), autocommit=True) as pg:
            pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        return
    yield env


def instance_store(env: dict[str, str]) -> Store:
    """The store a `datapolis` process started with `env` uses."""
    home = Path(env["DATAPOLIS_HOME"])
    return Store(LakeLocation.from_urls(home / "lake", env.get("DATAPOLIS_LAKE_CATALOG_URL"), None))


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Each test starts with the whole rate-limit budget of its address (tests share 127.0.0.1).

    The counts live in this process's memory (no Redis in the test settings); tests of the
    limits themselves set small ones and count from zero.
    """
    from django.core.cache import caches

    caches["ratelimit"].clear()


# What reaches the metadata database or the lake catalog. A test that asks for none of them
# (nor the `django_db` mark) runs the same on both configurations: it is marked `once`, and
# scripts/test's PostgreSQL pass leaves it out.
CONFIGURATION_FIXTURES = frozenset({
    "db", "transactional_db", "django_db_setup", "live_server",
    "store", "lake_location", "catalog_store", "instance_env",
})  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses_configuration = CONFIGURATION_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") is None and not uses_configuration:
            item.add_marker(pytest.mark.once)
