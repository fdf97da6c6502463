"""The agent's job page says when no job worker takes the import."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from datapolis.access.models import PublisherRole
from datapolis.jobs.models import Job


def test_a_job_queued_for_long_says_no_worker_takes_it(db, django_user_model) -> None:
    agent = django_user_model.objects.create_user("agent")
    PublisherRole.objects.create(user=agent, organisation="Ville de Testville")
    fresh = Job.objects.create(kind="backoffice_import", dataset_id="x", created_by=agent)
    stale = Job.objects.create(
        kind="backoffice_import", dataset_id="y", created_by=agent, created=timezone.now() - dt.timedelta(minutes=5)
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)

    assert "No job worker has taken this import" not in client.get(f"/backoffice/jobs/{fresh.pk}/").content.decode()
    page = client.get(f"/backoffice/jobs/{stale.pk}/").content.decode()
    assert "No job worker has taken this import for more than a minute" in page
    assert 'hx-trigger="every 2s"' in page  # still followed: it runs as soon as a worker does
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(agent)
    assert (
        "Aucun processus des tâches n’a pris cet import" in french.get(f"/backoffice/jobs/{stale.pk}/").content.decode()
    )
