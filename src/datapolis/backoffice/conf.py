"""Back-office settings, with their defaults (override them in Django settings).

| setting | default | meaning |
| --- | --- | --- |
| `DATAPOLIS_MAX_UPLOAD_BYTES` | 2 GiB (datapolis.settings) | largest file accepted, uploaded or downloaded |
| `DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES` | 20 MB | larger files are imported by the worker, with a status page |
| `DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES` | 8 MB | larger delimited text files are previewed on their first bytes |
| `DATAPOLIS_FETCH_TIMEOUT` | 300 s | longest download of a URL source, in total |
| `DATAPOLIS_FETCH_ALLOWED_NETWORKS` | none | private networks (CIDR) URL sources may reach (env., comma-separated) |
| `DATAPOLIS_BACKOFFICE_UPLOAD_DAYS` | 7 | unfinished uploads older than this are deleted |
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "DATAPOLIS_MAX_UPLOAD_BYTES": 2 * 1024**3,
    "DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES": 20 * 1000**2,
    "DATAPOLIS_BACKOFFICE_PREVIEW_SAMPLE_BYTES": 8 * 1000**2,
    "DATAPOLIS_FETCH_TIMEOUT": 300.0,
    "DATAPOLIS_FETCH_ALLOWED_NETWORKS": (),
    "DATAPOLIS_BACKOFFICE_UPLOAD_DAYS": 7,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
