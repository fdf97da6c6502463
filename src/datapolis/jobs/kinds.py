"""The kinds of job the jobs app runs, each registered by the app that owns its work.

A kind says what its job does (`run`, in the job's process, returning the job's
result), how a failure of it is stored (`describe_error`), which failures are the
input's fault rather than a crash (`expected_errors`: recorded, not raised again), what
to undo when the job is failed from outside (`abandoned`: its own code did not run to
the end), and the Huey task that queues it. The jobs app knows kinds only through this
registry: an app registers its kinds when Django starts (its `AppConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datapolis.jobs.models import Job


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[Job], dict[str, Any]]
    task: Callable[[int], Any]
    describe_error: Callable[[Exception], dict[str, Any]]
    expected_errors: tuple[type[Exception], ...] = ()
    abandoned: Callable[[Job], None] | None = None

    @property
    def task_name(self) -> str:
        """The name Huey queues the task under."""
        return self.task.task_class.__name__


_kinds: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    _kinds[kind.name] = kind
    return kind


def get(name: str) -> JobKind | None:
    """The kind called `name`; None for a kind nothing registers any more (an old job's)."""
    return _kinds.get(name)


def registered() -> list[JobKind]:
    return list(_kinds.values())
