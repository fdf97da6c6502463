"""The job worker: a Huey consumer that stops cleanly and recovers what a dead worker left.

- On start, jobs left RUNNING by a dead worker are marked failed, and queued jobs its
  queue lost are queued again (`supervision.recover_abandoned_jobs`).
- SIGTERM or SIGINT: take no more jobs, interrupt the running ones (their child
  processes get SIGTERM and mark their job failed, `interrupted`; a child still running
  after `STOP_GRACE_SECONDS` is killed and its job failed by the worker), then exit 0.
- Started by `datapolis serve` (`--parent-pid`), it also stops when that server is gone.
"""

from __future__ import annotations

import logging
import os
import signal

from huey.consumer import Consumer

from datapolis.jobs import supervision

logger = logging.getLogger(__name__)


class JobConsumer(Consumer):
    def __init__(self, huey, *, parent_pid: int | None = None, **options) -> None:
        super().__init__(huey, shutdown_timeout=supervision.STOP_GRACE_SECONDS + 5, **options)
        self.parent_pid = parent_pid

    def _set_signal_handlers(self) -> None:
        super()._set_signal_handlers()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle_stop)

    def _handle_stop(self, signum: int, frame) -> None:
        self._signum, self._restart, self._graceful = signum, False, True

    def loop(self, health_check_ts=None):
        if self.parent_pid and os.getppid() != self.parent_pid and self._signum is None:
            logger.warning("the server that started this job worker is gone: stopping")
            self._handle_stop(signal.SIGTERM, None)
        return super().loop(health_check_ts)

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()  # no more jobs taken
        supervision.stop_children()
        super().stop(graceful=True)


def run_worker(threads: int, *, parent_pid: int | None = None) -> None:
    """Run the job worker until SIGTERM or SIGINT; `threads` jobs at most run at once."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    autodiscover_modules("tasks")
    recovered = supervision.recover_abandoned_jobs()
    if recovered["failed"] or recovered["requeued"]:
        logger.warning(
            "abandoned jobs marked failed: %s; lost jobs queued again: %s", recovered["failed"], recovered["requeued"]
        )
    _give_back_failed_writes()
    consumer = JobConsumer(HUEY, workers=threads, worker_type="thread", parent_pid=parent_pid)
    consumer.run()


def _give_back_failed_writes() -> None:
    """Publications killed with a worker left lake files behind: they are given back at start."""
    from datapolis.catalog import services

    try:
        cleaned = services.clean_up_failed_writes()
    except Exception:  # housekeeping must never keep the worker from starting
        logger.exception("the clean-up of failed publications failed")
        return
    if cleaned["expired"] or cleaned["orphaned_files"]:
        logger.warning("failed publications cleaned up: %s", cleaned)
