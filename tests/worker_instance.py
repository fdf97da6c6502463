"""Under pytest-xdist, each worker process is an instance of its own.

The settings derive every path (metadata database, lake, uploads, job queue) from
DATAPOLIS_HOME, and the instance's PostgreSQL lake catalog from DATAPOLIS_LAKE_CATALOG_URL:
workers sharing them would read each other's datasets. This plugin gives each worker a
sub-folder and a lake schema of its own. It is loaded with `-p` (pyproject's addopts) so
that it runs before pytest-django reads the settings; without xdist it changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from datapolis.engine.lake import POSTGRES_METADATA_SCHEMA

WORKER = os.environ.get("PYTEST_XDIST_WORKER")

if WORKER:
    os.environ["DATAPOLIS_HOME"] = str(Path(os.environ.get("DATAPOLIS_HOME", "./datapolis-data")) / WORKER)
    url = os.environ.get("DATAPOLIS_LAKE_CATALOG_URL")
    if url and "?" not in url:
        os.environ["DATAPOLIS_LAKE_CATALOG_URL"] = f"{url}?schema={POSTGRES_METADATA_SCHEMA}_{WORKER}"
