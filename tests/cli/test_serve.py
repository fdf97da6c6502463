"""`datapolis serve` as a real process on a real port: it survives its workers' deaths and runs jobs by itself.

The process tree is read from /proc (Linux): the server's children are its web workers
(Granian) and its job worker (`datapolis.cli worker`).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User

from datapolis.access.models import PublisherRole
from datapolis.backoffice.models import Upload
from datapolis.catalog import services as catalog
from datapolis.catalog.storage import use_store
from datapolis.jobs import supervision
from datapolis.server import FATAL_WITHIN_SECONDS
from tests.backoffice.conftest import ORGANISATION, field_forms, metadata_form
from tests.conftest import instance_store
from tests.jobs.worker_process import large_french_csv, wait_until

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def children(self) -> dict[int, str]:
        """pid → command line of the server's child processes."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid and fields[0] != "Z":
                    found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, ValueError):
                continue
        return found

    def web_workers(self) -> set[int]:
        return {pid for pid, command in self.children().items() if " worker" not in command}

    def job_worker(self) -> int | None:
        return next((pid for pid, command in self.children().items() if "datapolis.cli worker" in command), None)

    def answers(self, path: str = "/") -> bool:
        try:
            return requests.get(self.url + path, timeout=10).status_code == 200
        except requests.RequestException:
            return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(env: dict[str, str], log: Path, *options: str) -> Iterator[Server]:
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "datapolis.cli", "serve", "--port", str(port), *options],
            env=env,
            cwd=REPO,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        wait_until(lambda: server.answers() or process.poll() is not None, 90, "the server answering")
        assert process.poll() is None, log.read_text(errors="replace")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def owner_of_connection(server: Server, client_port: int) -> int:
    """The web worker holding the server side of the TCP connection from `client_port`."""
    wanted = f":{server.port:04X}", f":{client_port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(wanted[0]) and fields[2].endswith(wanted[1]):
            inodes.add(fields[9])
    for pid in server.web_workers():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            match = re.fullmatch(r"socket:\[(\d+)\]", target)
            if match and match.group(1) in inodes:
                return pid
    raise AssertionError("no web worker holds the connection")


@pytest.fixture
def large_dataset(instance_env: dict[str, str], tmp_path: Path) -> str:
    """A public dataset of 150,000 rows: its CSV export (about 10 MB) is far more than socket buffers hold."""
    store = instance_store(instance_env)
    use_store(store)
    try:
        catalog.import_file(large_french_csv(tmp_path / "grand.csv", 150_000), "grand", metadata={"title": "Grand"})
    finally:
        use_store(None)
        store.close()
    return "grand"


def test_a_web_worker_killed_mid_request_is_replaced_and_the_others_keep_serving(
    instance_env: dict[str, str], large_dataset: str, tmp_path: Path
) -> None:
    export = f"/api/explore/v2.1/catalog/datasets/{large_dataset}/exports/csv"
    records = f"/api/explore/v2.1/catalog/datasets/{large_dataset}/records?limit=1"
    with served(instance_env, tmp_path / "serve.log", "--workers", "2") as server:
        before = wait_until(lambda: len(server.web_workers()) == 2 and server.web_workers(), 60, "two web workers")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        connection.request("GET", export)
        response = connection.getresponse()
        assert response.status == 200
        assert response.read(65536)  # the export is under way: its first rows are here
        victim = owner_of_connection(server, connection.sock.getsockname()[1])

        os.kill(victim, signal.SIGKILL)

        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            response.read()  # that request is lost with its worker...
        connection.close()
        # Gone, its listening socket with it (each worker has its own, SO_REUSEPORT: the connections
        # queued on it at that instant are reset unless net.ipv4.tcp_migrate_req=1, see docs/architecture.md).
        wait_until(lambda: not supervision.process_alive(victim), 30, "the killed worker gone")
        for _ in range(5):  # ...the other worker answers meanwhile
            assert answered_after_one_reset(server.url + records).status_code == 200
        after = wait_until(
            lambda: len(server.web_workers()) == 2 and victim not in server.web_workers() and server.web_workers(),
            60,
            "the killed web worker replaced",
        )
        assert len(after - before) == 1
        complete = requests.get(server.url + export + "?limit=1000", timeout=60)
        assert complete.status_code == 200
        assert complete.text.count("\n") == 1001  # the header and every row asked for
        assert server.process.poll() is None


def answered_after_one_reset(url: str) -> requests.Response:
    """GET, trying once more after a reset connection, as a load balancer does.

    While the dead worker's place is taken, a connection the kernel had queued on a socket
    that goes away is reset (docs/architecture.md, `tcp_migrate_req`); the retry must be
    answered, by the other worker or the new one.
    """
    try:
        return requests.get(url, timeout=30)
    except requests.ConnectionError:
        return requests.get(url, timeout=30)


@pytest.fixture
def agent(instance_env: dict[str, str]) -> User:
    user = User.objects.create_user("agent", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation=ORGANISATION)
    return user


def signed_in(server: Server, username: str) -> requests.Session:
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    session.get(server.url + "/accounts/login/", timeout=30)
    response = session.post(
        server.url + "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:2000]
    return session


def post(session: requests.Session, url: str, data: dict, **kwargs) -> requests.Response:
    data = {**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    response = session.post(url, data=data, timeout=120, allow_redirects=False, **kwargs)
    assert response.status_code == 302, response.text[:3000]
    return response


def job_status(session: requests.Session, url: str) -> str | None:
    match = re.search(r'data-job-status="(\w+)"', session.get(url, timeout=30).text)
    return match.group(1) if match and match.group(1) in ("succeeded", "failed") else None


def test_a_large_upload_is_imported_by_the_default_server_alone(
    instance_env: dict[str, str], agent: User, tmp_path: Path
) -> None:
    """No `datapolis worker`: the server's own job worker imports it, and comes back if it is killed."""
    path = large_french_csv(tmp_path / "communes.csv", 300_000)
    assert path.stat().st_size > 20 * 1000**2  # above DATAPOLIS_BACKOFFICE_SYNC_MAX_BYTES: a job
    with served(instance_env, tmp_path / "serve.log") as server:
        killed = wait_until(server.job_worker, 60, "the job worker started")
        os.kill(killed, signal.SIGKILL)
        wait_until(lambda: server.job_worker() not in (None, killed), 60, "the job worker started again")

        session = signed_in(server, agent.username)
        with path.open("rb") as handle:
            started = post(session, server.url + "/backoffice/new/", {}, files={"file": ("communes.csv", handle)})
        upload_id = re.search(r"/uploads/([0-9a-f-]{36})/", started.headers["Location"]).group(1)
        fields = Upload.objects.get(pk=upload_id).fields
        post(session, f"{server.url}/backoffice/uploads/{upload_id}/fields/", field_forms(fields))
        described = post(
            session, f"{server.url}/backoffice/uploads/{upload_id}/description/", metadata_form("communes")
        )
        job_page = server.url + described.headers["Location"]
        assert "/backoffice/jobs/" in job_page

        status = wait_until(lambda: job_status(session, job_page), 120, "the import job done")

        assert status == "succeeded", session.get(job_page, timeout=30).text[:3000]
        total = requests.get(f"{server.url}/api/explore/v2.1/catalog/datasets/communes/records?limit=0", timeout=30)
        assert total.json()["total_count"] == 300_000


def test_web_workers_crashing_in_a_loop_restart_the_web_server_not_the_job_worker(
    instance_env: dict[str, str], tmp_path: Path
) -> None:
    """Granian gives up on workers that die again right after their replacement; `serve` starts it again."""
    log = tmp_path / "serve.log"
    with served(instance_env, log) as server:
        job_worker = wait_until(server.job_worker, 60, "the job worker started")
        time.sleep(FATAL_WITHIN_SECONDS + 1)  # past the start, crashes are bad luck, not a broken set-up

        def crash_a_worker() -> bool:
            for pid in server.web_workers():
                os.kill(pid, signal.SIGKILL)
            return "starting the web server again" in log.read_text(errors="replace")

        wait_until(crash_a_worker, 60, "Granian giving up on a crash loop")
        wait_until(server.answers, 60, "the web server answering again")

        assert server.process.poll() is None
        assert server.job_worker() == job_worker  # untouched by the web server's restart
