"""HEAD and /api/ errors on a real `datapolis serve` (Granian), over raw HTTP (issue 10, item 6).

The Django test client drops HEAD bodies itself, so the bytes on the wire are checked
here: the server sends GET's status and Content-Length, and nothing after the headers.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

PATHS = [
    "/",
    "/catalog/",
    "/dataset/velib/",
    "/embed/dataset/velib/map/",
    "/api/explore/v2.1/catalog/datasets/velib/records?limit=5",
    "/api/explore/v2.1/catalog/datasets/velib/exports/csv",
    "/api/explore/v2.1/catalog/exports/dcat/",
    "/api/tiles/velib/0/0/0.pbf",
    "/api/explore/v2.1/nothing-here",
]


def raw_head(url: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and every byte after them, for HEAD `path` on a fresh connection."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=60) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: {address.netloc}\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, rest


def test_head_sends_get_status_and_length_and_no_body(server):
    for path in PATHS:
        got = requests.get(server.url + path, timeout=60)
        status, headers, rest = raw_head(server.url, path)
        assert status == got.status_code, (path, got.status_code, status)
        assert rest == b"", (path, rest[:200])
        assert headers.get("content-type") == got.headers.get("Content-Type"), path
        if "Content-Length" in got.headers:
            assert headers.get("content-length") == got.headers["Content-Length"], path
        elif "chunked" not in got.headers.get("Transfer-Encoding", ""):
            assert int(headers.get("content-length", len(got.content))) == len(got.content), path
    assert raw_head(server.url, "/api/explore/v2.1/catalog/datasets/velib/exports/csv")[0] == 200


def test_an_unknown_api_path_answers_json_on_the_real_server(server):
    response = requests.get(server.url + "/api/explore/v2.1/nothing-here", timeout=60)
    assert response.status_code == 404
    assert response.json()["error_code"] == "NotFound"
    not_allowed = requests.post(server.url + "/api/explore/v2.1/catalog/datasets", timeout=60)
    assert not_allowed.status_code == 405
    assert not_allowed.json()["error_code"] == "MethodNotAllowed"
