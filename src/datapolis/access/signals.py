"""Audit receivers for Django's and django-axes's sign-in signals."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from datapolis.audit import events as audit


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs) -> None:
    audit.record(user, audit.Action.SIGN_IN, user.get_username(), request=request, backend=_backend(user))


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(user, audit.Action.SIGN_OUT, user.get_username(), request=request)


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]  # Django already masks the password
    audit.record(username, audit.Action.SIGN_IN_FAILED, username, request=request)


@receiver(user_locked_out)
def audit_lock_out(sender, request, username, ip_address, **kwargs) -> None:
    audit.record(username or "", audit.Action.LOCKED_OUT, username or "", request=request)


def _backend(user) -> str:
    return getattr(user, "backend", "") or ""
