"""The back office's view decorators: they ask `datapolis.access.policy`, which holds the rules.

Signed-out visitors are sent to the sign-in page; signed-in people the policy does not let
in (`may_use_backoffice`, `can_edit_dataset`, `may_manage_harvests`) get a 403 page saying why.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from datapolis.access.policy import can_edit_dataset, may_manage_harvests, may_use_backoffice, session_principal
from datapolis.catalog.models import Dataset


def backoffice_view(view):
    """Signed-in publishers only: others are sent to sign in, or refused with 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_use_backoffice(session_principal(request)):
            return forbidden(request, _("Your account has no publisher role. Ask an administrator to give you one."))
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request, _("You are not an editor of this dataset."))

    return wrapper


def harvest_view(view):
    """The harvesting pages: instance admins only (`may_manage_harvests`), others get the 403 page."""

    @backoffice_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_manage_harvests(session_principal(request)):
            return forbidden(request, harvest_refusal())
        return view(request, *args, **kwargs)

    return wrapper


def harvest_refusal() -> str:
    return _("Only the administrators of the instance manage harvesting.")


def forbidden(request, reason: str) -> HttpResponse:
    return render(request, "backoffice/forbidden.html", {"reason": reason}, status=403)


def editable_dataset(request, dataset_id: str) -> Dataset:
    """The dataset, if the signed-in user may change it; 404 when unknown, 403 when not theirs."""
    dataset = get_object_or_404(Dataset, dataset_id=dataset_id)
    if not can_edit_dataset(session_principal(request), dataset):
        raise PermissionDenied("not an editor of this dataset")
    return dataset
