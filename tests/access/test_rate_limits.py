"""Rate limits and daily quotas per IP and per key, with the reference's 429 body; on Redis too."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches

from datapolis.access import services
from datapolis.access.models import ApiKey
from datapolis.access.policy import ANONYMOUS, principal_for_user
from datapolis.access.ratelimit import check_rate_limit, parse_limits

NOON = datetime(2026, 3, 14, 12, 0, 30, tzinfo=UTC).timestamp()


@pytest.fixture(params=["memory", "redis"])
def limits(request, settings, db):
    """Small limits, counted in this process's memory or in the real Redis server."""
    settings.DATAPOLIS_RATE_LIMITS = {"anonymous": "3/minute,5/day", "authenticated": "4/minute,1000/day"}
    if request.param == "redis":
        settings.CACHES = {
            **settings.CACHES,
            "ratelimit": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/0",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            },
        }
    cache = caches["ratelimit"]
    assert type(cache).__name__ == ("RedisCache" if request.param == "redis" else "LocMemCache")
    if request.param == "memory":
        cache.clear()
    yield request.param
    caches["ratelimit"].close()


def body(response) -> dict:
    return json.loads(response.content)


def test_anonymous_calls_are_limited_per_address(limits):
    for _ in range(3):
        assert check_rate_limit(ANONYMOUS, "192.0.2.1", now=NOON) is None
    refused = check_rate_limit(ANONYMOUS, "192.0.2.1", now=NOON)
    assert refused.status_code == 429
    assert body(refused) == {
        "errorcode": 10002,
        "reset_time": "2026-03-14T12:01:00Z",
        "limit_time_unit": "minute",
        "call_limit": 3,
        "error": body(refused)["error"],
    }
    assert body(refused)["error"]
    assert check_rate_limit(ANONYMOUS, "192.0.2.2", now=NOON) is None  # another address
    assert check_rate_limit(ANONYMOUS, "192.0.2.1", now=NOON + 60) is None  # the next minute


def test_daily_quota_resets_at_midnight_utc(limits):
    for minute in range(5):
        assert check_rate_limit(ANONYMOUS, "192.0.2.1", now=NOON + 60 * minute) is None
    refused = check_rate_limit(ANONYMOUS, "192.0.2.1", now=NOON + 600)
    assert (body(refused)["limit_time_unit"], body(refused)["call_limit"]) == ("day", 5)
    assert body(refused)["reset_time"] == "2026-03-15T00:00:00Z"


def test_keys_are_limited_per_key_not_per_address(limits):
    User.objects.create_user("alice")
    first, second = (services.create_api_key("alice", actor="test")[0] for _ in range(2))
    alice_first = principal_for_user(first.user, api_key=first)
    alice_second = principal_for_user(second.user, api_key=second)
    for _ in range(4):
        assert check_rate_limit(alice_first, "192.0.2.1", now=NOON) is None
    assert check_rate_limit(alice_first, "192.0.2.1", now=NOON).status_code == 429
    assert check_rate_limit(alice_second, "192.0.2.1", now=NOON) is None
    assert check_rate_limit(ANONYMOUS, "192.0.2.1", now=NOON) is None  # the address was not counted


def test_a_key_can_have_its_own_daily_quota(limits):
    User.objects.create_user("alice")
    api_key = services.create_api_key("alice", actor="test")[0]
    ApiKey.objects.filter(pk=api_key.pk).update(daily_quota=2)
    principal = principal_for_user(api_key.user, api_key=api_key)
    assert check_rate_limit(principal, None, now=NOON) is None
    assert check_rate_limit(principal, None, now=NOON + 120) is None
    refused = check_rate_limit(principal, None, now=NOON + 240)
    assert (body(refused)["limit_time_unit"], body(refused)["call_limit"]) == ("day", 2)


def test_limits_are_parsed_and_bad_ones_refused():
    assert [(limit.calls, limit.unit) for limit in parse_limits("10/second, 5/minutes,1/day")] == [
        (10, "second"),
        (5, "minute"),
        (1, "day"),
    ]
    with pytest.raises(ValueError):
        parse_limits("ten/minute")
    with pytest.raises(ValueError):
        parse_limits("10/fortnight")
