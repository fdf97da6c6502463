"""The audit log, read and exported (JSON, CSV) by admins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from datapolis.audit.models import AuditEvent

CSV_COLUMNS = ("at", "actor", "action", "target", "ip", "user_agent", "details")


def audit_events(
    *, action: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.order_by("-at", "-id")
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__gte=since)
    if until:
        events = events.filter(at__lt=until)
    return events


def event_summary(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor": event.actor_name,
        "action": event.action,
        "target": event.target,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details,
    }


def events_csv(events: Iterable[AuditEvent]) -> str:
    import orjson

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = event_summary(event)
        row["details"] = orjson.dumps(row["details"]).decode()
        writer.writerow([safe_cell(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def safe_cell(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (user names and agents are user input)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
