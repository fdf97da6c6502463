"""Fetching from other servers without becoming a way into the networks this one reaches.

No Django: the URL sources of the back office and the harvesters both download through
`fetch` and `fetch_json`, with the same SSRF rules, size caps and deadlines. A dataset's
source (a URL, an FTP or SFTP file, a folder of this server, OGC API - Features, WFS,
ArcGIS REST) is fetched into a local file by `fetch_source` (docs/sources.md).
"""

from datapolis.fetching.http import (
    CONTENT_TYPE_EXTENSIONS,
    Fetched,
    FetchError,
    Network,
    address_allowed,
    fetch,
    fetch_json,
    parse_networks,
)
from datapolis.fetching.sources import fetch_source
from datapolis.fetching.spec import SOURCE_KINDS, SourceError, SourceFile, SourceSpec, Validators

__all__ = [
    "CONTENT_TYPE_EXTENSIONS",
    "SOURCE_KINDS",
    "FetchError",
    "Fetched",
    "Network",
    "SourceError",
    "SourceFile",
    "SourceSpec",
    "Validators",
    "address_allowed",
    "fetch",
    "fetch_json",
    "fetch_source",
    "parse_networks",
]
