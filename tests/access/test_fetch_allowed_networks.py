"""DATAPOLIS_FETCH_ALLOWED_NETWORKS, read from the environment (issue 10, item 7).

The variable was documented but never read: an intranet file server could not be
allowed as a URL source. A real `datapolis` process, started with and without it,
downloads from a real HTTP server on 127.0.0.1 through the back office's URL source
service: refused by default (SSRF), accepted once 127.0.0.0/8 is allowed. A value that
is not a network stops the start-up with a message naming it.
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from datapolis.conf import ConfigError, load_config
from datapolis.portals.services import create_portal

REPO = Path(__file__).resolve().parents[2]
CSV = b"code_insee;commune;population\n92048;Meudon;45000\n92023;Clamart;53000\n"

FETCH_AS_THE_BACK_OFFICE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datapolis.settings")
import django
django.setup()
from django.contrib.auth.models import User
from datapolis.fetching import FetchError
from datapolis.backoffice.services import start_from_url
from datapolis.portals.models import Portal

try:
    upload = start_from_url(sys.argv[1], user=User.objects.get(username="agent"), portal=Portal.objects.get())
except FetchError as error:
    print("refused", error.code)
else:
    print("fetched", upload.size)
"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        return None

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("Content-Length", str(len(CSV)))
        self.end_headers()
        self.wfile.write(CSV)


@pytest.fixture
def intranet_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/communes.csv"
    httpd.shutdown()
    httpd.server_close()


def fetch_in_a_new_process(env: dict[str, str], url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", FETCH_AS_THE_BACK_OFFICE, url],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_private_url_source_is_refused_by_default_and_accepted_once_allowed(instance_env, intranet_server):
    create_portal("data.example.fr", "Métropole", is_default=True)
    User.objects.create_user("agent")
    default_env = {key: value for key, value in instance_env.items() if key != "DATAPOLIS_FETCH_ALLOWED_NETWORKS"}

    assert fetch_in_a_new_process(default_env, intranet_server) == "refused private_address"
    allowed = {**default_env, "DATAPOLIS_FETCH_ALLOWED_NETWORKS": "10.20.0.0/16, 127.0.0.0/8"}
    assert fetch_in_a_new_process(allowed, intranet_server) == f"fetched {len(CSV)}"
    elsewhere = {**default_env, "DATAPOLIS_FETCH_ALLOWED_NETWORKS": "10.20.0.0/16"}
    assert fetch_in_a_new_process(elsewhere, intranet_server) == "refused private_address"


def test_the_variable_is_read_as_comma_separated_networks():
    config = load_config(
        {"DATAPOLIS_HOME": "/tmp/x", "DATAPOLIS_FETCH_ALLOWED_NETWORKS": " 10.20.0.0/16 ,192.168.1.10,"}
    )
    assert config.fetch_allowed_networks == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("192.168.1.10/32"),
    )
    assert load_config({"DATAPOLIS_HOME": "/tmp/x"}).fetch_allowed_networks == ()


@pytest.mark.parametrize("value", ["intranet", "10.0.0.0/33", "10.20.0.0/16;192.168.0.0/24"])
def test_a_value_that_is_not_a_network_is_a_clear_error(value):
    with pytest.raises(ConfigError, match=r"DATAPOLIS_FETCH_ALLOWED_NETWORKS.*CIDR"):
        load_config({"DATAPOLIS_HOME": "/tmp/x", "DATAPOLIS_FETCH_ALLOWED_NETWORKS": value})


def test_an_instance_does_not_start_with_a_bad_value(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATAPOLIS_HOME": str(tmp_path), "DATAPOLIS_FETCH_ALLOWED_NETWORKS": "intranet"}
    done = subprocess.run(
        [sys.executable, "-m", "datapolis.cli", "datasets"], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "DATAPOLIS_FETCH_ALLOWED_NETWORKS: 'intranet' is not a network in CIDR notation" in done.stderr
    assert "Traceback" not in done.stderr  # the message alone, as for any wrong setting
