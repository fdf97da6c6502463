"""URL sources: downloaded on the server, size- and time-capped, never from private addresses (SSRF).

A local HTTP server stands in for the web. It is on 127.0.0.1, so it is refused like
any private address; tests that exercise the download itself whitelist it through the
DATAPOLIS_FETCH_ALLOWED_NETWORKS setting.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from datapolis.backoffice.models import Upload
from datapolis.fetching import FetchError, address_allowed, fetch, parse_networks
from tests.backoffice.conftest import french_csv_text, upload_id_from

CSV = french_csv_text(rows=25).encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        return None

    def send_body(self, body: bytes, content_type: str = "text/csv; charset=utf-8", **headers):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/communes.csv":
            self.send_body(CSV)
        elif self.path.startswith("/export?"):
            self.send_body(CSV, Content_Disposition='attachment; filename="communes-2024.csv"')
        elif self.path == "/gzipped":
            self.send_body(
                gzip.compress(CSV), Content_Encoding="gzip", Content_Disposition="attachment; filename=g.csv"
            )
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/communes.csv")
            self.end_headers()
        elif self.path == "/to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/declared-big":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(b"a;b\n")
        elif self.path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"1;2;3\n" * 2000)
            except (BrokenPipeError, ConnectionResetError):
                return
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b"1;2\n")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                return
        elif self.path == "/report.pdf":
            self.send_body(b"%PDF-1.7\n" + bytes(range(256)) * 10, content_type="application/pdf")
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_local(settings):
    settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]


LOCAL = parse_networks(["127.0.0.1/32"])


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("ff02::1", False),
        ("8.8.8.8", True),
        ("193.17.0.1", True),
        ("2a01:e0a::1", True),
    ],
)
def test_only_public_addresses_are_allowed(address, allowed):
    assert address_allowed(address) is allowed


def test_allowed_networks_open_chosen_private_addresses_only():
    assert address_allowed("127.0.0.1", LOCAL)
    assert not address_allowed("127.0.0.2", LOCAL)
    assert not address_allowed("169.254.169.254", LOCAL)


def test_a_local_server_is_refused_by_default(server, tmp_path):
    destination = tmp_path / "out"
    with pytest.raises(FetchError) as caught:
        fetch(f"{server}/communes.csv", destination, max_bytes=10**6, timeout=10)
    assert caught.value.code == "private_address"
    assert not destination.exists()


@pytest.mark.parametrize("host", ["localhost", "[::1]", "0x7f000001", "2130706433"])
def test_other_spellings_of_loopback_are_refused(server, tmp_path, host):
    port = server.rsplit(":", 1)[1]
    with pytest.raises(FetchError) as caught:
        fetch(f"http://{host}:{port}/communes.csv", tmp_path / "out", max_bytes=10**6, timeout=10)
    assert caught.value.code in ("private_address", "dns_error")


def test_the_back_office_refuses_a_url_on_a_private_address(agent_client, catalog_store, server):
    response = agent_client.post("/backoffice/new/", {"url": f"{server}/communes.csv"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "private or reserved address" in page
    assert "Download the file yourself and upload it" in page
    assert Upload.objects.count() == 0


def test_a_whitelisted_server_is_downloaded_into_an_upload(agent_client, catalog_store, server, allow_local):
    response = agent_client.post("/backoffice/new/", {"url": f"{server}/communes.csv"})

    assert response.status_code == 302
    upload = Upload.objects.get(pk=upload_id_from(response))
    assert upload.source_url == f"{server}/communes.csv"
    assert upload.original_name == "communes.csv"
    assert upload.path.read_bytes() == CSV
    assert upload.path.parent == Path(settings.MEDIA_ROOT) / "backoffice"
    assert upload.preview["source"]["rows"] == 25


def test_the_file_name_comes_from_content_disposition(server, tmp_path):
    fetched = fetch(f"{server}/export?id=3", tmp_path / "out", max_bytes=10**6, timeout=10, allowed_networks=LOCAL)
    assert fetched.filename == "communes-2024.csv"
    assert (tmp_path / "out").read_bytes() == CSV


def test_gzip_transfer_encoding_is_decoded(server, tmp_path):
    fetched = fetch(f"{server}/gzipped", tmp_path / "out", max_bytes=10**6, timeout=10, allowed_networks=LOCAL)
    assert fetched.size == len(CSV)
    assert (tmp_path / "out").read_bytes() == CSV


def test_redirects_are_followed_and_checked(server, tmp_path):
    fetched = fetch(f"{server}/moved", tmp_path / "out", max_bytes=10**6, timeout=10, allowed_networks=LOCAL)
    assert fetched.url == f"{server}/communes.csv"
    with pytest.raises(FetchError) as caught:
        fetch(f"{server}/to-metadata", tmp_path / "out2", max_bytes=10**6, timeout=10, allowed_networks=LOCAL)
    assert caught.value.code == "private_address"
    assert "169.254.169.254" in str(caught.value)
    with pytest.raises(FetchError) as caught:
        fetch(f"{server}/loop", tmp_path / "out3", max_bytes=10**6, timeout=10, allowed_networks=LOCAL)
    assert caught.value.code == "redirects"


@pytest.mark.parametrize("path", ["/declared-big", "/endless"])
def test_downloads_over_the_size_limit_stop_and_leave_nothing(server, tmp_path, path):
    destination = tmp_path / "out"
    with pytest.raises(FetchError) as caught:
        fetch(f"{server}{path}", destination, max_bytes=100_000, timeout=30, allowed_networks=LOCAL)
    assert caught.value.code == "too_large"
    assert not destination.exists()


def test_a_slow_server_hits_the_deadline(server, tmp_path):
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(f"{server}/slow", tmp_path / "out", max_bytes=10**6, timeout=1, allowed_networks=LOCAL)
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 2.5
    assert not (tmp_path / "out").exists()


def test_http_errors_are_explained(agent_client, catalog_store, server, allow_local):
    response = agent_client.post("/backoffice/new/", {"url": f"{server}/missing.csv"})
    assert response.status_code == 400
    assert "answered 404" in response.content.decode()


def test_a_downloaded_file_of_the_wrong_type_is_refused_and_deleted(agent_client, catalog_store, server, allow_local):
    response = agent_client.post("/backoffice/new/", {"url": f"{server}/report.pdf"})
    assert response.status_code == 400
    assert "cannot be published" in response.content.decode()
    assert list((Path(settings.MEDIA_ROOT) / "backoffice").iterdir()) == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.org/a.csv", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("http://u:p@x.org/", "credentials"),
    ],
)
def test_other_schemes_and_credentials_are_refused(tmp_path, url, code):
    with pytest.raises(FetchError) as caught:
        fetch(url, tmp_path / "out", max_bytes=10, timeout=1)
    assert caught.value.code == code
