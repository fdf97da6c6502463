"""Jobs that end in a final state, whatever stops the process running them.

Each job runs in a child process of the worker (`python -m datapolis.jobs.child JOB_ID`):
DuckDB then always runs in a main thread, where a stop signal interrupts its query
cleanly, and a crash or a kill ends that job only. The child runs it through
`lifecycle.execute` (which claims it, recording its host and pid) and renews a
heartbeat while it works.

- SIGTERM or SIGINT to the child interrupts the import; the job is marked FAILED with
  the code `interrupted` (translatable message). The store publishes a version in one
  transaction, so nothing half written is ever served.
- A child that dies without finishing (SIGKILL, out of memory, a crash) is seen by the
  worker thread waiting for it, which marks its job FAILED the same way.
- When the whole worker dies (`kill -9`, machine restart), the next worker to start (and
  every worker, each minute) marks FAILED the RUNNING jobs whose process is gone (same
  host, pid dead) or silent for SILENCE_LIMIT (another host), and queues again the
  QUEUED jobs its queue lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import close_old_connections, connection
from django.utils import timezone

from datapolis.jobs import kinds
from datapolis.jobs.lifecycle import HOST, LOST, STOPPED, JobInterrupted, enqueue, execute, mark_failed
from datapolis.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
SILENCE_LIMIT = dt.timedelta(seconds=60)
QUEUED_GRACE = dt.timedelta(seconds=30)  # a job just created may not be in the queue yet
STOP_GRACE_SECONDS = 10.0  # how long a stopping worker waits for its children to interrupt their job

_children: dict[int, subprocess.Popen] = {}
_children_lock = threading.Lock()
stopping = threading.Event()


# In the child ---------------------------------------------------------------------


class Heartbeat(threading.Thread):
    """Renews the job's heartbeat while the child works on it."""

    def __init__(self, job_id: int):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(HEARTBEAT_SECONDS):
                Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, worker_pid=os.getpid()).update(
                    heartbeat=timezone.now()
                )
        except Exception:  # the database went away: the job's owner is still known by host and pid
            logger.exception("heartbeat of job %s stopped", self.job_id)
        finally:
            connection.close()


def child_main(job_id: int) -> int:
    """The child process: run one job, interrupting it cleanly on SIGTERM or SIGINT."""
    received: list[int] = []

    def interrupt(signum: int, frame) -> None:
        if not received:
            received.append(signum)
            logger.warning("job %s: %s received, interrupting", job_id, signal.Signals(signum).name)
            raise JobInterrupted  # DuckDB, which checks for signals, stops its query with an error

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    heartbeat = Heartbeat(job_id)
    heartbeat.start()
    try:
        execute(job_id, interrupted=lambda: bool(received))
    except JobInterrupted:  # arrived while the job was being marked: mark it again, signals ignored
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        job = Job.objects.get(pk=job_id)
        if job.status == JobStatus.RUNNING:
            mark_failed(job, STOPPED)
    finally:
        heartbeat.done.set()
    return 0


# In the worker --------------------------------------------------------------------


def run_job(job_id: int) -> None:
    """What a Huey task does: run the job in a child process and make sure it ends in a final state.

    With Huey in immediate mode (tests, no worker), the job runs in this process.
    """
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        execute(job_id)
        return
    if stopping.is_set():
        enqueue(Job.objects.get(pk=job_id))
        return
    command = [sys.executable, "-m", "datapolis.jobs.child", str(int(job_id))]
    process = subprocess.Popen(command, cwd=Path.cwd())  # noqa: S603 (our own command)
    with _children_lock:
        _children[process.pid] = process
    try:
        returncode = process.wait()
    finally:
        with _children_lock:
            _children.pop(process.pid, None)
    close_old_connections()
    settle(job_id, process.pid, returncode)


def settle(job_id: int, pid: int, returncode: int) -> None:
    """After the child `pid` of a job ended: a job it left unfinished is failed (or queued again if it never began)."""
    job = Job.objects.get(pk=job_id)
    if job.is_done:
        return
    if job.status == JobStatus.RUNNING and (job.worker_host, job.worker_pid) != (HOST, pid):
        return  # queued twice: another process claimed it and runs it
    if job.status == JobStatus.QUEUED and stopping.is_set():
        enqueue(job)  # stopped before it began: the next worker runs it
        return
    logger.error("the process of job %s ended (status %s) without finishing it", job_id, returncode)
    mark_failed(job, STOPPED if stopping.is_set() else LOST)


def stop_children(grace: float = STOP_GRACE_SECONDS) -> None:
    """Ask every running job to stop (SIGTERM); kill those still running after `grace` seconds."""
    stopping.set()
    with _children_lock:
        children = list(_children.values())
    for process in children:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in children:
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if process.poll() is None:
            logger.warning("job process %s still running after %s s: killed", process.pid, grace)
            process.kill()


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (a zombie, dead but not reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


def is_abandoned(job: Job, now: dt.datetime) -> bool:
    if job.worker_pid and job.worker_host == HOST and not process_alive(job.worker_pid):
        return True
    last_sign = job.heartbeat or job.started
    return last_sign is None or now - last_sign > SILENCE_LIMIT


def recover_abandoned_jobs() -> dict[str, list[int]]:
    """Fail the RUNNING jobs nobody runs any more; queue again the QUEUED jobs no queue holds."""
    from huey.contrib.djhuey import HUEY

    now = timezone.now()
    failed = []
    for job in Job.objects.filter(status=JobStatus.RUNNING):
        if is_abandoned(job, now):
            logger.warning("job %s was abandoned by its process (%s, pid %s)", job.pk, job.worker_host, job.worker_pid)
            mark_failed(job, LOST)
            failed.append(job.pk)
    task_names = {kind.task_name: kind.name for kind in kinds.registered()}
    queued = {(task_names[task.name], task.args[0]) for task in HUEY.pending() if task.name in task_names}
    requeued = []
    lost = Job.objects.filter(
        status=JobStatus.QUEUED, kind__in=set(task_names.values()), created__lt=now - QUEUED_GRACE
    )
    for job in lost:
        if (job.kind, job.pk) not in queued:
            logger.warning("job %s was no longer in the queue: queued again", job.pk)
            enqueue(job)
            requeued.append(job.pk)
    return {"failed": failed, "requeued": requeued}
