"""The admin JSON API under /api/admin/: one endpoint per access CLI command.

Authenticated by an API key (`Authorization: Apikey KEY` or `?apikey=`) or a session
cookie (then with the CSRF token on writes). Changes need a write-scope key or a session.
Instance admins may do everything; a user may manage their own API keys; editors of a
dataset may manage its grants; admins of a portal may share their datasets with others.
Errors answer `{"message", "error_code"}` like the Explore API.
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

from datapolis.access import services
from datapolis.access.exports import audit_events, event_summary, events_csv
from datapolis.access.keys import key_from_request
from datapolis.access.models import ApiKey
from datapolis.access.policy import Principal, can_edit_dataset, principal_from_request
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
    return error(request, str(exc.errors), "InvalidRESTParameterError", 400)


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


# Users and groups -------------------------------------------------------------------


class UserIn(Schema):
    username: str
    email: str = ""
    password: str | None = None
    admin: bool = False


class MemberIn(Schema):
    username: str


class GroupIn(Schema):
    name: str


@api.get("/users")
def list_users(request):
    require_admin(request)
    return services.list_users()


@api.post("/users", response={201: dict})
def create_user(request, body: UserIn):
    who = require_admin_writer(request)
    user = services.create_user(
        body.username, email=body.email, password=body.password, admin=body.admin, actor=who, request=request
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


class GrantIn(Schema):
    user: str | None = None
    group: str | None = None
    filter: str = ""
    fields: list[str] | None = None
    until: datetime | None = None
    metadata_only: bool = False


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


@api.get("/datasets/{dataset_id}/grants")
def list_grants(request, dataset_id: str):
    dataset = editable_dataset(request, dataset_id)
    grants = dataset.grants.select_related("dataset", "user", "group").order_by("id")
    return [services.grant_summary(item) for item in grants]


@api.put("/datasets/{dataset_id}/grants")
def set_grant(request, dataset_id: str, body: GrantIn):
    who = require_write(request)
    editable_dataset(request, dataset_id)
    item = services.grant(
        dataset_id,
        services.Holder(user=body.user, group=body.group),
        row_filter=body.filter,
        fields=body.fields,
        until=body.until,
        metadata_only=body.metadata_only,
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


class ApiKeyIn(Schema):
    username: str | None = None
    scope: str = "read"
    until: datetime | None = None
    name: str = ""


class RevokeIn(Schema):
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
    username = body.username or who.username
    if username != who.username and not who.is_admin:
        raise HttpError(403, _("Only instance admins may create keys for others."))
    api_key, key = services.create_api_key(
        username, scope=body.scope, until=body.until, name=body.name, actor=who, request=request
    )
    return 201, {"key": key, **services.api_key_summary(api_key)}


@api.post("/apikeys/revoke")
def revoke_api_key(request, body: RevokeIn):
    who = require_write(request)
    owner = None if who.is_admin else who.user
    return services.api_key_summary(services.revoke_api_key(body.key, actor=who, request=request, owner=owner))


# Portals ----------------------------------------------------------------------------


class PortalIn(Schema):
    host: str
    name: str
    default: bool = False


class ShareIn(Schema):
    dataset: str
    filter: str = ""


@api.post("/portals", response={201: dict})
def create_portal(request, body: PortalIn):
    who = require_admin_writer(request)
    portal = portals.create_portal(body.host, body.name, is_default=body.default, actor=who, request=request)
    return 201, {"host": portal.host, "name": portal.name, "is_default": portal.is_default}


@api.post("/portals/{host}/shares", response={201: dict})
def share_dataset(request, host: str, body: ShareIn):
    who = require_write(request)
    dataset = editable_dataset(request, body.dataset)
    owner = dataset.portal_id or _default_portal_pk()
    if not (who.is_admin or owner in who.admin_portal_ids):
        raise HttpError(403, _("Only admins of the portal owning a dataset may share it."))
    share = portals.share_dataset(portals.get_portal(host), dataset, body.filter, actor=who, request=request)
    return 201, {"host": host, "dataset": dataset.dataset_id, "filter": share.row_filter}


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
