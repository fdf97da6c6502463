"""The admin JSON API under /api/admin/: one endpoint per access CLI command.

Authenticated by an API key (`Authorization: Apikey KEY` or `?apikey=`) or a session
cookie (then with the CSRF token on writes). Changes need a write-scope key or a session.
Instance admins may do everything; a user may manage their own API keys; editors of a
dataset may manage its grants; admins of a portal may share their datasets with others.
Errors answer `{"message", "error_code"}` like the Explore API.

Every body is validated by a schema that forbids unknown keys (422): a misspelt or
outdated key must never be dropped silently. A resource is written in the shape it is
read in: a grant read from `GET .../grants` can be sent back to `PUT` unchanged.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, APIKeyHeader
from pydantic import ConfigDict

from datapolis.access import services
from datapolis.access.keys import key_from_request
from datapolis.access.models import ApiKey
from datapolis.access.policy import Principal, can_edit_dataset, principal_from_request
from datapolis.audit.exports import audit_events, event_summary, events_csv
from datapolis.catalog.models import Dataset
from datapolis.portals import services as portals


class ApiKeyAuth(APIKeyHeader):
    """`Authorization: Apikey KEY` or `?apikey=KEY` (already checked by PrincipalMiddleware)."""

    param_name = "Authorization"

    def _get_key(self, request: HttpRequest) -> str | None:
        return key_from_request(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        return principal_from_request(request) if key else None


class SessionAuth(APIKeyCookie):
    """The session cookie; Ninja checks the CSRF token on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if key_from_request(request) is None and request.user.is_authenticated:
            return principal_from_request(request)
        return None


api = NinjaAPI(
    title="Datapolis admin API",
    version="1.0",
    urls_namespace="admin-api",
    auth=[ApiKeyAuth(), SessionAuth()],
    docs_url="/docs",
)


def error(request, message: str, code: str, status: int) -> HttpResponse:
    return JsonResponse({"message": message, "error_code": code}, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return error(request, _("Sign in or send an API key."), "AuthenticationRequired", 401)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return error(request, str(exc), "PermissionDenied" if exc.status_code == 403 else "HttpError", exc.status_code)


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    problems = [_problem(item) for item in exc.errors]
    body = {
        "message": _("Invalid request: %(problems)s.") % {"problems": "; ".join(problems)},
        "error_code": "InvalidRESTParameterError",
        "detail": [{"loc": _where(item), "type": item.get("type", "")} for item in exc.errors],
    }
    return JsonResponse(body, status=422)


def _where(item: dict) -> list:
    """The error's place in the request body or parameters, without Ninja's own wrapping."""
    return [part for part in item.get("loc", ()) if part not in ("body", "query", "path")]


def _problem(item: dict) -> str:
    """One validation error as `where: what`, unknown keys named as such."""
    where = ".".join(str(part) for part in _where(item))
    if item.get("type") == "extra_forbidden":
        what = _("unknown key")
    elif item.get("type") == "missing":
        what = _("missing")
    else:
        what = str(item.get("msg", "invalid"))
    return f"{where}: {what}" if where else what


@api.exception_handler(ValueError)
def refused(request, exc):
    return error(request, str(exc), "InvalidRequest", 400)


def principal(request) -> Principal:
    return request.auth


def require_admin(request) -> Principal:
    who = principal(request)
    if not who.is_admin:
        raise HttpError(403, _("Only instance admins may do this."))
    return who


def require_write(request) -> Principal:
    who = principal(request)
    if not who.can_write:
        raise HttpError(403, _("This API key may only read."))
    return who


def require_admin_writer(request) -> Principal:
    require_write(request)
    return require_admin(request)


class Input(Schema):
    """A request body: unknown keys are refused (422), never ignored."""

    model_config = ConfigDict(extra="forbid")


# Users and groups -------------------------------------------------------------------


class UserIn(Input):
    """A new account; `is_admin` as `GET /users` reads it."""

    username: str
    email: str = ""
    password: str | None = None
    is_admin: bool = False


class MemberIn(Input):
    username: str


class GroupIn(Input):
    name: str


@api.get("/users")
def list_users(request):
    require_admin(request)
    return services.list_users()


@api.post("/users", response={201: dict})
def create_user(request, body: UserIn):
    who = require_admin_writer(request)
    user = services.create_user(
        body.username, email=body.email, password=body.password, admin=body.is_admin, actor=who, request=request
    )
    return 201, services.user_summary(user)


@api.post("/users/{username}/disable")
def disable_user(request, username: str):
    who = require_admin_writer(request)
    return services.user_summary(services.disable_user(username, actor=who, request=request))


@api.get("/groups")
def list_groups(request):
    require_admin(request)
    groups = Group.objects.order_by("name").prefetch_related("user_set")
    return [{"name": group.name, "members": sorted(u.username for u in group.user_set.all())} for group in groups]


@api.post("/groups", response={201: dict})
def create_group(request, body: GroupIn):
    who = require_admin_writer(request)
    group = services.create_group(body.name, actor=who, request=request)
    return 201, {"name": group.name, "members": []}


@api.post("/groups/{name}/members")
def add_member(request, name: str, body: MemberIn):
    who = require_admin_writer(request)
    services.add_to_group(name, body.username, actor=who, request=request)
    return {"name": name, "username": body.username}


# Grants -----------------------------------------------------------------------------


class GrantSchema(Input):
    """A grant, the same shape read (`GET`) and written (`PUT`).

    `dataset` is optional on writes (the path names it) and must match the path when sent.
    """

    dataset: str | None = None
    user: str | None = None
    group: str | None = None
    data_visible: bool = True
    fields: list[str] | None = None
    row_filter: str = ""
    expires_at: datetime | None = None


def editable_dataset(request, dataset_id: str):
    """The dataset, if the caller edits it; 404 otherwise (never reveal a restricted one)."""
    dataset = Dataset.objects.filter(dataset_id=dataset_id).first()
    if dataset is None or not can_edit_dataset(_writer_view(principal(request)), dataset):
        raise HttpError(404, _("No dataset %(id)s.") % {"id": dataset_id})
    return dataset


def _writer_view(who: Principal) -> Principal:
    """The same principal as if it could write, to ask about its role rather than its key."""
    from dataclasses import replace

    return replace(who, scope="write")


@api.get("/datasets/{dataset_id}/grants", response=list[GrantSchema])
def list_grants(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    grants = dataset.grants.select_related("dataset", "user", "group").order_by("id")
    return [services.grant_summary(item) for item in grants]


@api.put("/datasets/{dataset_id}/grants", response=GrantSchema)
def set_grant(request, dataset_id: str, body: GrantSchema):
    who = require_write(request)
    editable_dataset(request, dataset_id)
    if body.dataset is not None and body.dataset != dataset_id:
        raise HttpError(
            422, _("This grant names dataset %(body)s, not %(path)s.") % {"body": body.dataset, "path": dataset_id}
        )
    item = services.grant(
        dataset_id,
        services.Holder(user=body.user, group=body.group),
        row_filter=body.row_filter,
        fields=body.fields,
        until=body.expires_at,
        metadata_only=not body.data_visible,
        actor=who,
        request=request,
    )
    return services.grant_summary(item)


@api.delete("/datasets/{dataset_id}/grants", response={204: None})
def delete_grant(request, dataset_id: str, user: str | None = None, group: str | None = None):
    who = require_write(request)
    editable_dataset(request, dataset_id)
    if not services.revoke(dataset_id, services.Holder(user=user, group=group), actor=who, request=request):
        raise HttpError(404, _("No such grant."))
    return 204, None


# API keys ---------------------------------------------------------------------------


class ApiKeyIn(Input):
    """A new key, in the words a key is read with: `user` (oneself by default), `expires_at`."""

    user: str | None = None
    scope: str = "read"
    expires_at: datetime | None = None
    name: str = ""


class RevokeIn(Input):
    key: str


@api.get("/apikeys")
def list_api_keys(request, user: str | None = None):
    who = principal(request)
    keys = ApiKey.objects.select_related("user")
    if not who.is_admin:
        keys = keys.filter(user_id=who.user_id)
    elif user:
        keys = keys.filter(user__username=user)
    return [services.api_key_summary(api_key) for api_key in keys]


@api.post("/apikeys", response={201: dict})
def create_api_key(request, body: ApiKeyIn):
    who = require_write(request)
    username = body.user or who.username
    if username != who.username and not who.is_admin:
        raise HttpError(403, _("Only instance admins may create keys for others."))
    api_key, key = services.create_api_key(
        username, scope=body.scope, until=body.expires_at, name=body.name, actor=who, request=request
    )
    return 201, {"key": key, **services.api_key_summary(api_key)}


@api.post("/apikeys/revoke")
def revoke_api_key(request, body: RevokeIn):
    who = require_write(request)
    owner = None if who.is_admin else who.user
    return services.api_key_summary(services.revoke_api_key(body.key, actor=who, request=request, owner=owner))


# Portals ----------------------------------------------------------------------------


class PortalIn(Input):
    """A new portal; `is_default` as the answer reads it."""

    host: str
    name: str
    is_default: bool = False


class ShareIn(Input):
    """A share, `row_filter` as grants name it."""

    dataset: str
    row_filter: str = ""


@api.post("/portals", response={201: dict})
def create_portal(request, body: PortalIn):
    who = require_admin_writer(request)
    portal = portals.create_portal(body.host, body.name, is_default=body.is_default, actor=who, request=request)
    return 201, {"host": portal.host, "name": portal.name, "is_default": portal.is_default}


@api.post("/portals/{host}/shares", response={201: dict})
def share_dataset(request, host: str, body: ShareIn):
    who = require_write(request)
    dataset = editable_dataset(request, body.dataset)
    owner = dataset.portal_id or _default_portal_pk()
    if not (who.is_admin or owner in who.admin_portal_ids):
        raise HttpError(403, _("Only admins of the portal owning a dataset may share it."))
    share = portals.share_dataset(portals.get_portal(host), dataset, body.row_filter, actor=who, request=request)
    return 201, {"host": host, "dataset": dataset.dataset_id, "row_filter": share.row_filter}


def _default_portal_pk() -> int | None:
    from datapolis.portals.models import Portal

    return Portal.objects.filter(is_default=True).values_list("pk", flat=True).first()


# Audit log --------------------------------------------------------------------------


@api.get("/audit")
def audit_log(
    request,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
    format: str = "json",
):
    require_admin(request)
    events = audit_events(action=action, since=since, until=until)[: max(0, min(limit, 100_000))]
    if format == "csv":
        response = HttpResponse(events_csv(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
    return [event_summary(event) for event in events]
