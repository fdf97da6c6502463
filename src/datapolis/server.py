"""Serve the instance: Granian (WSGI, threads for blocking DuckDB queries) and, by default, the job worker.

Supervision, so that one failure never stops the service:
- a web worker process that dies (a crash in an extension, `kill -9`, out of memory) is
  started again by Granian (`respawn_failed_workers`), the other workers serving meanwhile;
  when workers keep crashing, Granian gives up and the whole web server is started again;
- the job worker (`datapolis worker`, a child process) is started again when it dies,
  after a pause growing from 1 to 30 seconds while it keeps dying at once.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from django.core.management import call_command
from django.db import connections

from datapolis.jobs.supervision import STOP_GRACE_SECONDS

logger = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 5.0
FATAL_WITHIN_SECONDS = 15.0  # workers crashing this soon after the first start: a broken set-up
WORKER_KILL_TIMEOUT_SECONDS = 30


class JobWorkerProcess:
    """`datapolis worker` as a child of the server, started again whenever it dies."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._supervise, name="job-worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> subprocess.Popen | None:
        command = [sys.executable, "-m", "datapolis.cli", "worker", "--workers", str(self.threads)]
        with self._lock:
            if self._stopping.is_set():
                return None
            self.process = subprocess.Popen([*command, "--parent-pid", str(os.getpid())])  # noqa: S603 (our own command)
            return self.process

    def _supervise(self) -> None:
        pause = 1.0
        while True:
            started = time.monotonic()
            process = self._spawn()
            if process is None:
                return
            returncode = process.wait()
            if self._stopping.is_set():
                return
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 30.0)
            logger.error("the job worker stopped (status %s): starting it again in %.0f s", returncode, pause)
            if self._stopping.wait(pause):
                return

    def stop(self) -> None:
        """Stop the worker: its running jobs are interrupted and marked failed, then it exits."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_SECONDS + 20)
        except subprocess.TimeoutExpired:
            logger.warning("the job worker did not stop in time: killed")
            process.kill()
            process.wait()


def serve(
    *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8, job_worker: bool = True
) -> None:
    """Serve until SIGINT or SIGTERM; with `job_worker`, run the job worker alongside."""
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # web workers are forked from this process: they open their own
    jobs = JobWorkerProcess() if job_worker else None
    if jobs is not None:
        jobs.start()
    try:
        first_start = True
        while True:
            started = time.monotonic()
            if _serve_web(host=host, port=port, workers=workers, threads=threads):
                return
            if first_start and time.monotonic() - started < FATAL_WITHIN_SECONDS:
                raise SystemExit("the web workers could not start: see the errors above")
            first_start = False
            logger.error("web workers kept crashing: starting the web server again in %.0f s", RESTART_PAUSE_SECONDS)
            _pause_interruptibly(RESTART_PAUSE_SECONDS)
    finally:
        if jobs is not None:
            jobs.stop()


def _serve_web(*, host: str, port: int, workers: int, threads: int) -> bool:
    """Run Granian; True when it stopped on a signal, False when it gave up on workers crashing in a loop."""
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian(
        "datapolis.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=WORKER_KILL_TIMEOUT_SECONDS,
    )
    try:
        server.serve()
    except SystemExit as exit:
        return bool(server.interrupt_signal or not exit.code)
    return True


def _pause_interruptibly(seconds: float) -> None:
    """Sleep, stopping at once on SIGINT or SIGTERM (Granian's handlers are gone with it)."""

    def stop(signum: int, frame) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    time.sleep(seconds)
