"""When a dataset should next be updated, whether it is late, and the incidents that say so.

A dataset's period is its source's schedule when it has one, otherwise its declared
update frequency (DCAT-AP's vocabulary). It was last updated at its last successful
refresh (a source that did not change is still up to date) or, without a source, when
its data last changed. It is late once the period and a grace (a quarter of the period,
at most a week) have passed; its refresh is failing when the last one failed.

Each problem is an `Incident`, opened when first seen and closed when over; the
dataset's owners (its contact address and its publishers) are e-mailed once, when it opens.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from datapolis import scheduling
from datapolis.access.models import PublisherRole
from datapolis.catalog.models import Dataset, UpdateFrequency
from datapolis.sources.models import DatasetSource, Incident, IncidentKind, Outcome, Refresh

logger = logging.getLogger(__name__)

FREQUENCY_PERIODS = {
    UpdateFrequency.CONTINUOUS: dt.timedelta(hours=1),
    UpdateFrequency.HOURLY: dt.timedelta(hours=1),
    UpdateFrequency.DAILY: dt.timedelta(days=1),
    UpdateFrequency.WEEKLY: dt.timedelta(weeks=1),
    UpdateFrequency.MONTHLY: dt.timedelta(days=31),
    UpdateFrequency.QUARTERLY: dt.timedelta(days=92),
    UpdateFrequency.ANNUAL: dt.timedelta(days=366),
}
LONGEST_GRACE = dt.timedelta(weeks=1)


class State:
    FRESH = "fresh"
    LATE = "late"
    FAILING = "failing"
    UNKNOWN = "unknown"  # no schedule and no declared frequency


@dataclass(frozen=True)
class Freshness:
    state: str
    period: dt.timedelta | None
    last_update: dt.datetime | None
    next_expected: dt.datetime | None
    late_after: dt.datetime | None
    error: str = ""

    @property
    def is_problem(self) -> bool:
        return self.state in (State.LATE, State.FAILING)

    def to_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "last_update": self.last_update.isoformat() if self.last_update else None,
            "next_expected": self.next_expected.isoformat() if self.next_expected else None,
            "late_after": self.late_after.isoformat() if self.late_after else None,
            "error": self.error,
        }


def _source(dataset: Dataset) -> DatasetSource | None:
    try:
        return dataset.refresh_source
    except DatasetSource.DoesNotExist:
        return None


def period_of(dataset: Dataset, source: DatasetSource | None) -> dt.timedelta | None:
    if source is not None and source.enabled and source.schedule:
        schedule = scheduling.parse_schedule(source.schedule)
        if schedule is not None:
            return schedule.period
    return FREQUENCY_PERIODS.get(dataset.update_frequency)


def grace(period: dt.timedelta) -> dt.timedelta:
    return min(period / 4, LONGEST_GRACE)


def freshness(dataset: Dataset, *, now: dt.datetime | None = None) -> Freshness:
    now = now or timezone.now()
    source = _source(dataset)
    last = _last_refresh(source)
    if last is not None and last.outcome == Outcome.FAILED:
        return Freshness(State.FAILING, period_of(dataset, source), _last_update(dataset, source), None, None,
                         error=last.error)  # fmt: skip
    period = period_of(dataset, source)
    updated = _last_update(dataset, source)
    if period is None or updated is None:
        return Freshness(State.UNKNOWN, period, updated, None, None)
    expected = updated + period
    late_after = expected + grace(period)
    state = State.LATE if now > late_after else State.FRESH
    return Freshness(state, period, updated, expected, late_after)


def _last_refresh(source: DatasetSource | None) -> Refresh | None:
    if source is None:
        return None
    return source.refreshes.exclude(outcome="").order_by("-started", "-pk").first()


def _last_update(dataset: Dataset, source: DatasetSource | None) -> dt.datetime | None:
    """The last time the dataset was known to be up to date."""
    if source is not None:
        ok = source.refreshes.filter(outcome__in=[Outcome.CHANGED, Outcome.UNCHANGED]).order_by("-finished").first()
        if ok is not None and ok.finished:
            return max(ok.finished, dataset.data_modified or ok.finished)
    return dataset.data_modified


def check(dataset: Dataset, *, now: dt.datetime | None = None) -> Freshness:
    """Open or close the dataset's incidents from its freshness now; e-mail its owners about new ones."""
    state = freshness(dataset, now=now)
    wanted = {State.LATE: IncidentKind.LATE, State.FAILING: IncidentKind.REFRESH_FAILED}.get(state.state)
    open_incidents = Incident.objects.filter(dataset=dataset, closed__isnull=True)
    open_incidents.exclude(kind=wanted or "").update(closed=now or timezone.now())
    if wanted is not None and not open_incidents.filter(kind=wanted).exists():
        _open(dataset, wanted, state)
    return state


def check_all(*, now: dt.datetime | None = None) -> dict[str, int]:
    """`check` every dataset that has a period or an open incident; counts by state."""
    counts: dict[str, int] = {}
    candidates = Dataset.objects.filter(current_version__isnull=False).select_related("refresh_source")
    for dataset in candidates.iterator():
        state = check(dataset, now=now).state
        counts[state] = counts.get(state, 0) + 1
    return counts


def _open(dataset: Dataset, kind: str, state: Freshness) -> None:
    try:
        with transaction.atomic():
            incident = Incident.objects.create(dataset=dataset, kind=kind, detail=state.error)
    except IntegrityError:  # another process opened it first: it notifies
        return
    recipients = owners(dataset)
    if recipients:
        _notify(incident, state, recipients)
        incident.notified = recipients
        incident.save(update_fields=["notified"])


def owners(dataset: Dataset) -> list[str]:
    """Who is told about the dataset's incidents: its contact address and its publishers' addresses."""
    addresses = [dataset.contact_email] if dataset.contact_email else []
    for role in PublisherRole.objects.filter(dataset=dataset).select_related("user", "group"):
        users: Iterable = [role.user] if role.user else role.group.user_set.filter(is_active=True)
        addresses.extend(user.email for user in users if user.email)
    return sorted(set(addresses))


def _notify(incident: Incident, state: Freshness, recipients: list[str]) -> None:
    dataset = incident.dataset
    with override(dataset.language if dataset.language in ("fr", "en") else settings.LANGUAGE_CODE):
        if incident.kind == IncidentKind.LATE:
            subject = _("Dataset late: %(title)s") % {"title": dataset.title}
            body = _(
                "The dataset “%(title)s” (%(id)s) was expected to be updated by %(expected)s; "
                "its last update was on %(updated)s."
            ) % {
                "title": dataset.title,
                "id": dataset.dataset_id,
                "expected": _when(state.next_expected),
                "updated": _when(state.last_update),
            }
        else:
            subject = _("Refresh failed: %(title)s") % {"title": dataset.title}
            body = _(
                "The last refresh of the dataset “%(title)s” (%(id)s) failed: %(error)s\n"
                "The last good version stays published."
            ) % {"title": dataset.title, "id": dataset.dataset_id, "error": state.error}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        logger.exception("could not e-mail the owners of %s about %s", dataset.dataset_id, incident.kind)


def _when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"
