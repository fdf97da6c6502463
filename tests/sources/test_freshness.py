"""Freshness: late after its period and a grace, failing after a failed refresh; one incident, one e-mail.

The owners told are the dataset's contact address and its publishers (`PublisherRole`);
e-mails go to Django's test outbox (`mailoutbox`).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from datapolis.access.models import PublisherRole
from datapolis.catalog import services as catalog
from datapolis.catalog.models import Dataset
from datapolis.ingest import ReadOptions
from datapolis.sources import freshness, services
from datapolis.sources.freshness import State
from datapolis.sources.models import Incident, IncidentKind

pytestmark = pytest.mark.django_db

CONTACT, PUBLISHER = "donnees@rennes.example.fr", "paul@rennes.example.fr"


@pytest.fixture
def late_dataset(dataset, schools) -> Dataset:
    """Imported by hand three days ago, declared daily, with a contact address and a publisher."""
    catalog.replace_data(dataset, schools, options=ReadOptions(), publish=True)
    Dataset.objects.filter(pk=dataset.pk).update(
        update_frequency="daily",
        contact_email=CONTACT,
        data_modified=timezone.now() - dt.timedelta(days=3),
        language="en",  # the e-mails are written in the dataset's language
    )
    paul = get_user_model().objects.create_user("paul", email=PUBLISHER, password="x-Pa55word-x")
    PublisherRole.objects.create(user=paul, dataset=dataset)
    return Dataset.objects.get(pk=dataset.pk)


def open_incidents(dataset: Dataset) -> list[str]:
    return list(Incident.objects.filter(dataset=dataset, closed__isnull=True).values_list("kind", flat=True))


def test_the_grace_is_a_quarter_of_the_period_at_most_a_week():
    assert freshness.grace(dt.timedelta(days=1)) == dt.timedelta(hours=6)
    assert freshness.grace(dt.timedelta(days=366)) == dt.timedelta(weeks=1)


def test_a_late_dataset_opens_one_incident_and_emails_its_owners_once(late_dataset, mailoutbox):
    state = freshness.check(late_dataset)
    assert state.state == State.LATE
    assert state.late_after == late_dataset.data_modified + dt.timedelta(days=1, hours=6)
    assert open_incidents(late_dataset) == [IncidentKind.LATE]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == [CONTACT, PUBLISHER]
    assert "Écoles d'Ille-et-Vilaine" in mail.subject and "ecoles-35" in mail.body
    assert Incident.objects.get().notified == [CONTACT, PUBLISHER]

    assert freshness.check(late_dataset).state == State.LATE
    assert len(mailoutbox) == 1 and Incident.objects.count() == 1


def test_not_late_within_the_grace(late_dataset, mailoutbox):
    now = late_dataset.data_modified + dt.timedelta(days=1, hours=5)
    assert freshness.check(late_dataset, now=now).state == State.FRESH
    assert open_incidents(late_dataset) == [] and mailoutbox == []


def test_a_successful_refresh_closes_the_late_incident(late_dataset, source_folder, schools, mailoutbox):
    freshness.check(late_dataset)
    services.set_source(late_dataset, str(shutil.copy(schools, source_folder / "ecoles.csv")))
    result = services.refresh(late_dataset)

    assert result.changed and result.refresh.version == 2
    assert freshness.freshness(result.dataset).state == State.FRESH
    assert open_incidents(late_dataset) == []
    assert Incident.objects.get(kind=IncidentKind.LATE).closed is not None
    assert len(mailoutbox) == 1  # only the one of the late incident


def test_a_failed_refresh_opens_a_refresh_failed_incident_emailed_once(late_dataset, source_folder, mailoutbox):
    services.set_source(late_dataset, str(source_folder / "ecoles.csv"))  # the file is not there
    result = services.refresh(late_dataset)
    assert result.refresh.outcome == "failed"
    assert open_incidents(late_dataset) == [IncidentKind.REFRESH_FAILED]
    incident = Incident.objects.get(kind=IncidentKind.REFRESH_FAILED)
    assert "no such file" in incident.detail
    assert len(mailoutbox) == 1 and mailoutbox[0].subject.startswith("Refresh failed")
    assert "no such file" in mailoutbox[0].body

    services.refresh(late_dataset)
    freshness.check(late_dataset)
    assert len(mailoutbox) == 1 and open_incidents(late_dataset) == [IncidentKind.REFRESH_FAILED]


def test_check_all_counts_the_datasets_by_state(late_dataset, schools, mailoutbox):
    fresh = catalog.create_draft("fresh")
    catalog.replace_data(fresh, schools, options=ReadOptions(), publish=True)
    Dataset.objects.filter(pk=fresh.pk).update(update_frequency="weekly")
    catalog.create_draft("empty")  # no data: not checked
    never = catalog.create_draft("never")
    catalog.replace_data(never, schools, options=ReadOptions(), publish=True)  # no frequency: unknown

    assert freshness.check_all() == {State.LATE: 1, State.FRESH: 1, State.UNKNOWN: 1}
    assert len(mailoutbox) == 1


def test_an_unchanged_refresh_keeps_the_dataset_up_to_date(dataset, source_folder, schools, mailoutbox):
    services.set_source(dataset, str(shutil.copy(schools, source_folder / "ecoles.csv")), schedule="1d")
    assert services.refresh(dataset).changed
    two_days_later = timezone.now() + dt.timedelta(days=2)
    assert freshness.check(dataset, now=two_days_later).state == State.LATE  # the schedule's period, not a frequency
    assert open_incidents(dataset) == [IncidentKind.LATE]

    result = services.refresh(dataset)
    assert result.refresh.outcome == "unchanged"
    assert freshness.freshness(result.dataset).state == State.FRESH and open_incidents(dataset) == []
    assert mailoutbox == []  # no owner to tell: no contact address, no publisher
