"""Fetching from other servers without becoming a way into the networks this one reaches.

No Django: the URL sources of the back office and the harvesters both download through
`fetch` and `fetch_json`, with the same SSRF rules, size caps and deadlines.
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

__all__ = [
    "CONTENT_TYPE_EXTENSIONS",
    "FetchError",
    "Fetched",
    "Network",
    "address_allowed",
    "fetch",
    "fetch_json",
    "parse_networks",
]
