"""The client's address, behind as many reverse proxies as the instance declares."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with DATAPOLIS_PROXY_COUNT = N, the address N hops back in X-Forwarded-For.

    Only addresses added by our own proxies are trusted: a client can put anything at
    the start of X-Forwarded-For.
    """
    proxies = settings.DATAPOLIS_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None
