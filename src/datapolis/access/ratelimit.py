"""Rate limits and daily quotas: fixed windows counted in the "ratelimit" cache.

Calls without credentials count against their IP address; calls with an API key count
against the key (a signed-in browser, against its user). Each subject has one limit per
time unit (`DATAPOLIS_RATE_LIMITS`, e.g. "1200/minute,200000/day"); a key's own
`daily_quota` replaces the daily limit. Windows are aligned on UTC boundaries, so the
reset time is the start of the next minute, hour or day.

The cache is Redis when `DATAPOLIS_REDIS_URL` is set (one count for every process and
machine), this process's memory otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django.utils.translation import gettext as _

from datapolis.access.policy import Principal

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Limit:
    calls: int
    unit: str

    @property
    def seconds(self) -> int:
        return UNIT_SECONDS[self.unit]


def parse_limits(text: str) -> list[Limit]:
    """`"600/minute, 50000/day"` -> [Limit(600, "minute"), Limit(50000, "day")]."""
    limits = []
    for part in text.split(","):
        if not part.strip():
            continue
        calls, _, unit = part.strip().partition("/")
        unit = unit.strip().lower().rstrip("s")
        if unit not in UNIT_SECONDS or not calls.strip().isdigit():
            raise ValueError(f"invalid rate limit {part.strip()!r}: use N/second, N/minute, N/hour or N/day")
        limits.append(Limit(int(calls), unit))
    return limits


def check_rate_limit(principal: Principal, ip: str | None, *, now: float | None = None) -> JsonResponse | None:
    """Count one call; None when it is allowed, else the 429 response to send."""
    now = datetime.now(UTC).timestamp() if now is None else now
    subject = principal.rate_limit_subject or f"ip:{ip or 'unknown'}"
    for limit in limits_for(principal):
        window = int(now // limit.seconds)
        count = _count_call(f"{subject}:{limit.unit}:{window}", limit.seconds)
        if count > limit.calls:
            reset = datetime.fromtimestamp((window + 1) * limit.seconds, UTC)
            return too_many_requests(limit, reset, per_ip=principal.rate_limit_subject is None)
    return None


def limits_for(principal: Principal) -> list[Limit]:
    configured = settings.DATAPOLIS_RATE_LIMITS
    kind = "anonymous" if principal.rate_limit_subject is None else "authenticated"
    limits = parse_limits(configured[kind])
    if principal.api_key_id is not None:
        from datapolis.access.models import ApiKey

        quota = ApiKey.objects.filter(pk=principal.api_key_id).values_list("daily_quota", flat=True).first()
        if quota is not None:
            limits = [limit for limit in limits if limit.unit != "day"] + [Limit(quota, "day")]
    return limits


def too_many_requests(limit: Limit, reset: datetime, *, per_ip: bool) -> JsonResponse:
    """The reference's 429 body (Explore API v2.1 §2.6)."""
    message = (
        _("Too many requests from this address. Please retry later or use an API key.")
        if per_ip
        else _("Too many requests with this API key. Please contact the domain administrator.")
    )
    response = JsonResponse(
        {
            "errorcode": 10002,
            "reset_time": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "limit_time_unit": limit.unit,
            "call_limit": limit.calls,
            "error": message,
        },
        status=429,
    )
    response["Retry-After"] = str(max(1, int(reset.timestamp() - datetime.now(UTC).timestamp())))
    return response


def _count_call(key: str, seconds: int) -> int:
    cache = caches["ratelimit"]
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=seconds + 1)
        return 1
