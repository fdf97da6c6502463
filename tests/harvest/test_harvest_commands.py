"""`datapolis harvest add|run|list`, the schedule the job worker follows, and the SSRF rules."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.utils import timezone

from datapolis.audit.models import AuditEvent
from datapolis.harvest import services
from datapolis.harvest.models import HarvestRun, HarvestSource, RunStatus
from datapolis.harvest.tasks import queue_due_harvests
from datapolis.jobs import lifecycle
from datapolis.jobs.models import Job, JobStatus
from tests.harvest.conftest import REPO

pytestmark = pytest.mark.django_db(transaction=True)


def datapolis(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "datapolis.cli", *arguments], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_add_run_and_list_from_the_command_line(source_portal, instance_env):
    env = {**instance_env, "DATAPOLIS_FETCH_ALLOWED_NETWORKS": "127.0.0.1/32", "PORTAL_A_KEY": source_portal.api_key}
    added = datapolis(env, "harvest", "add", "portail-a", source_portal.url, "--kind", "ods", "--every", "1d",
                      "--api-key-env", "PORTAL_A_KEY")  # fmt: skip
    assert added.returncode == 0, added.stderr

    ran = datapolis(env, "harvest", "run", "portail-a", "--json")
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["status"] == "succeeded"
    assert report["counts"] == {"created": 4, "updated": 0, "unchanged": 0, "gone": 0, "failed": 0}

    listed = json.loads(datapolis(env, "harvest", "list", "--json").stdout)
    assert [(s["name"], s["kind"], s["every_seconds"], s["has_api_key"], s["datasets"]) for s in listed] == [
        ("portail-a", "ods", 86400, True, 4)
    ]
    assert listed[0]["last_run"]["counts"]["created"] == 4
    assert source_portal.api_key not in json.dumps(listed)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"harvest_source_added", "harvest_run", "dataset_published"} <= actions


def test_the_command_explains_a_bad_schedule(instance_env):
    failed = datapolis(instance_env, "harvest", "add", "x", "https://data.example.org", "--every", "tomorrow")
    assert failed.returncode == 1 and "--every 'tomorrow'" in failed.stderr


def test_due_sources_are_queued_once_and_run_as_jobs(source_portal, catalog_store, monkeypatch, settings):
    settings.DATAPOLIS_FETCH_ALLOWED_NETWORKS = ("127.0.0.1/32",)
    source = services.add_source("portail-a", source_portal.url, "ods", every=dt.timedelta(hours=6))
    services.add_source("by-hand", source_portal.url, "ods")
    queued_jobs = []
    monkeypatch.setattr(lifecycle, "enqueue", queued_jobs.append)  # the worker's queue; the test runs the job

    assert queue_due_harvests() == ["portail-a"]
    assert queue_due_harvests() == ["portail-a"]  # still queued: the same job
    assert len(queued_jobs) == 1 and Job.objects.count() == 1

    job = lifecycle.execute(queued_jobs[0].pk)
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 3
    source.refresh_from_db()
    run = HarvestRun.objects.get(job_id=job.pk)
    assert source.next_run == run.started + dt.timedelta(hours=6)
    assert queue_due_harvests() == []


def test_a_source_on_a_private_address_is_refused_by_default(source_portal, catalog_store):
    source = services.add_source("intranet", source_portal.url, "ods")
    run = services.run_source(source)
    assert run.status == RunStatus.FAILED
    assert "private or reserved address" in run.error
    assert not HarvestSource.objects.get(name="intranet").datasets.exists()
    assert timezone.now() - run.finished < dt.timedelta(minutes=1)
