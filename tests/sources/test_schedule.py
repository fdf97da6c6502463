"""Schedules: when the next refresh is due, due sources queued once as jobs, the job moving the next run.

The worker's queue is replaced by a list (`lifecycle.enqueue`); the test runs the job
itself with `lifecycle.execute`, as the worker's child process does.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.utils import timezone

from datapolis import scheduling
from datapolis.catalog import services as catalog
from datapolis.jobs import lifecycle
from datapolis.jobs.models import Job, JobStatus
from datapolis.sources import services
from datapolis.sources.models import DatasetSource, Outcome, Refresh
from datapolis.sources.services import InvalidSource
from datapolis.sources.tasks import REFRESH_JOB, queue_due_refreshes
from tests.sources.conftest import served

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[Job]:
    jobs: list[Job] = []
    monkeypatch.setattr(lifecycle, "enqueue", jobs.append)
    return jobs


@pytest.fixture
def csv_file(source_folder, schools):
    return shutil.copy(schools, source_folder / "ecoles.csv")


def make_due(source: DatasetSource) -> None:
    DatasetSource.objects.filter(pk=source.pk).update(next_run=timezone.now() - dt.timedelta(minutes=1))


def test_an_interval_sets_the_next_run(dataset, csv_file):
    before = timezone.now()
    source = services.set_source(dataset, str(csv_file), schedule="1h")
    assert source.schedule == "1h"
    assert before + dt.timedelta(hours=1) <= source.next_run <= timezone.now() + dt.timedelta(hours=1)
    by_hand = services.set_source(dataset, str(csv_file))
    assert by_hand.next_run is None


def test_due_sources_are_queued_once_and_the_job_refreshes(dataset, csv_file, queued):
    source = services.set_source(dataset, str(csv_file), schedule="1h")
    other = catalog.create_draft("by-hand")
    services.set_source(other, str(csv_file))  # no schedule: never due
    assert queue_due_refreshes() == []  # not due for an hour

    make_due(source)
    assert queue_due_refreshes() == ["ecoles-35"]
    assert queue_due_refreshes() == ["ecoles-35"]  # still queued: the same job
    job = Job.objects.get()
    assert len(queued) == 1 and job.kind == REFRESH_JOB and job.dataset_id == "ecoles-35"

    done = lifecycle.execute(job.pk)
    assert done.status == JobStatus.SUCCEEDED and done.result["outcome"] == Outcome.CHANGED
    assert served(dataset) == (1, 117)
    run = Refresh.objects.get(job_id=job.pk)
    source.refresh_from_db()
    assert source.next_run == run.finished + dt.timedelta(hours=1)
    assert queue_due_refreshes() == []

    make_due(source)
    assert queue_due_refreshes() == ["ecoles-35"] and Job.objects.count() == 2  # a new job once the first is over


def test_a_failed_refresh_fails_its_job_and_is_tried_again_at_the_next_run(dataset, csv_file, queued):
    source = services.set_source(dataset, str(csv_file), schedule="30m")
    csv_file.unlink()
    make_due(source)
    queue_due_refreshes()
    done = lifecycle.execute(queued[0].pk)
    assert done.status == JobStatus.FAILED and done.error["code"] == "refresh_failed"
    assert "no such file" in done.error["message"]
    source.refresh_from_db()
    assert source.last_outcome == Outcome.FAILED and source.next_run > timezone.now() + dt.timedelta(minutes=29)


def test_a_cron_schedule_runs_at_its_hour_in_utc(dataset, csv_file):
    weekdays = scheduling.parse_schedule("0 6 * * 1-5")
    friday_evening = dt.datetime(2024, 6, 7, 18, 0, tzinfo=dt.UTC)
    assert weekdays.next_after(friday_evening) == dt.datetime(2024, 6, 10, 6, 0, tzinfo=dt.UTC)  # Monday
    tuesday_morning = dt.datetime(2024, 6, 11, 5, 59, tzinfo=dt.UTC)
    assert weekdays.next_after(tuesday_morning) == dt.datetime(2024, 6, 11, 6, 0, tzinfo=dt.UTC)

    source = services.set_source(dataset, str(csv_file), schedule="0 6 * * 1-5")
    next_run = source.next_run.astimezone(dt.UTC)
    assert (next_run.hour, next_run.minute, next_run.second) == (6, 0, 0) and next_run.weekday() < 5
    assert timezone.now() < next_run <= timezone.now() + dt.timedelta(days=3, hours=6)


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("tomorrow", "schedule 'tomorrow': write an interval (30m, 6h, 1d, 2w) or a cron expression"),
        ("0m", "schedule '0m': write a number and a unit"),
        ("61 * * * *", "schedule '61 * * * *' is not a valid cron expression"),
    ],
)
def test_an_invalid_schedule_is_refused_with_a_clear_message(dataset, csv_file, schedule, message):
    with pytest.raises(InvalidSource) as refused:
        services.set_source(dataset, str(csv_file), schedule=schedule)
    assert str(refused.value).startswith(message)
    assert not DatasetSource.objects.exists()
