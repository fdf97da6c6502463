"""A read-only subset of CKAN's action API, for the tools and harvesters that read CKAN.

`/api/3/action/<action>` and `/api/action/<action>` (the path ckanapi calls), by GET with
parameters in the query string or by POST with a JSON body, as CKAN accepts both:

- `package_list`: the names (dataset ids) of the caller's visible datasets;
- `package_search`: `q` (a full-text search), `fq` (`tags:x`, `groups:x`, `organization:x`,
  `name:x`, ANDed), `rows` (default 10, at most 1,000), `start`, `sort`
  (`metadata_modified desc`, `title_string asc`, `name asc`...): `{count, results}`;
- `package_show`: one dataset by `id` (its name or its uid);
- `organization_list`: the publishers of the visible datasets, as organisation names
  (`all_fields=true`: objects).

A dataset is a CKAN package: `name` its id, `notes` its description, `tags` its keywords,
`groups` its themes, `organization` its publisher, `resources` its exports. Answers are
`{"help", "success": true, "result"}`; errors CKAN's `{"success": false, "error":
{"__type": "Not Found Error" | "Validation Error", "message"}}`. Rights and rate limits are
those of the Explore API: a dataset the caller may not see does not exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from datapolis.access.policy import principal_from_request
from datapolis.access.querying import VisibleCatalog
from datapolis.access.ratelimit import check_rate_limit
from datapolis.api.explore.catalog import dataset_object
from datapolis.api.explore.errors import json_response
from datapolis.api.explore.feeds import export_links
from datapolis.net import client_ip
from datapolis.odsql import odsql_string
from datapolis.queries.datasets import query_catalog
from datapolis.queries.requests import RecordsRequest

MAX_ROWS = 1000
RESOURCE_FORMATS = ("csv", "json", "xlsx", "geojson", "shp")
FILTERS = {"tags": "keyword", "groups": "theme", "organization": "publisher", "name": "dataset_id"}
FILTER = re.compile(r'(?P<key>\w+):(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))')
SORTS = {"metadata_modified": "modified", "title_string": "title", "name": "dataset_id", "score": None}


class CkanError(Exception):
    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def not_found(message: str = "Not found") -> CkanError:
    return CkanError("Not Found Error", message, 404)


def invalid(message: str) -> CkanError:
    return CkanError("Validation Error", message, 409)


def package(request: HttpRequest, dataset: dict[str, Any]) -> dict[str, Any]:
    """A dataset as a CKAN package."""
    metas = dataset["metas"]["default"]
    publisher = metas["publisher"]
    organization = {"name": slugify(publisher), "title": publisher, "type": "organization"} if publisher else None
    resources = [
        {"id": f"{dataset['dataset_uid']}-{link.name}", "name": link.filename, "format": link.name.upper(),
         "mimetype": link.media_type, "url": link.url, "package_id": dataset["dataset_uid"], "state": "active"}
        for link in export_links(request, dataset, RESOURCE_FORMATS)
    ]  # fmt: skip
    return {
        "id": dataset["dataset_uid"],
        "name": dataset["dataset_id"],
        "title": metas["title"],
        "notes": metas["description"] or "",
        "type": "dataset",
        "state": "active",
        "private": dataset["visibility"] != "domain",
        "license_id": metas["license"],
        "license_url": metas["license_url"],
        "metadata_modified": metas["modified"],  # changes with the data too, as a CKAN package does with its resources
        "metadata_created": dataset["metas"]["dcat"].get("created") or metas["modified"],
        "url": request.build_absolute_uri(f"/dataset/{dataset['dataset_id']}/"),
        "tags": [{"name": keyword} for keyword in metas["keyword"]],
        "num_tags": len(metas["keyword"]),
        "groups": [{"name": slugify(theme), "title": theme} for theme in metas["theme"]],
        "organization": organization,
        "owner_org": organization["name"] if organization else None,
        "resources": resources,
        "num_resources": len(resources),
        "extras": [],
    }


def _search_request(data: dict[str, Any], organisations: dict[str, str]) -> RecordsRequest:
    where = [odsql_string(str(data["q"]))] if str(data.get("q", "") or "").strip() not in ("", "*:*") else []
    refine = []
    for match in FILTER.finditer(str(data.get("fq") or "")):
        field = FILTERS.get(match["key"])
        if field is None:
            raise invalid(f"fq: unknown field {match['key']}")
        value = match["quoted"] if match["quoted"] is not None else match["bare"]
        if field == "publisher":
            value = organisations.get(value, value)
        if field == "dataset_id":
            where.append(f"dataset_id = {odsql_string(value)}")
        else:
            refine.append(f"{field}:{value}")
    return RecordsRequest(where=where, refine=refine, order_by=_order_by(str(data.get("sort") or "")))


def _order_by(sort: str) -> str | None:
    keys = []
    for part in (part.strip() for part in sort.split(",") if part.strip()):
        name, _, direction = part.partition(" ")
        if name not in SORTS:
            raise invalid(f"sort: cannot sort by {name}")
        if SORTS[name]:
            keys.append(f"{SORTS[name]} {'desc' if direction.strip().lower() == 'desc' else 'asc'}")
    return ", ".join(keys) or None


def _whole_number(data: dict[str, Any], name: str, default: int) -> int:
    try:
        value = int(data.get(name, default))
    except (TypeError, ValueError):
        raise invalid(f"{name}: Invalid integer") from None
    if value < 0:
        raise invalid(f"{name}: Must be a natural number")
    return value


def package_list(request: HttpRequest, data: dict[str, Any]) -> list[str]:
    return sorted(VisibleCatalog.of_request(request).views)


def package_search(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    rows, start = min(_whole_number(data, "rows", 10), MAX_ROWS), _whole_number(data, "start", 0)
    catalog = VisibleCatalog.of_request(request)
    organisations = {slugify(view.dataset.publisher): view.dataset.publisher for view in catalog.views.values()}
    search = _search_request(data, organisations)
    total, found, _ = query_catalog(catalog.table(), search, bounds=(rows, start))
    results = [package(request, dataset_object(catalog.views[row["dataset_id"]],
                                               count=catalog.counts[row["dataset_id"]])) for row in found]  # fmt: skip
    return {"count": total, "results": results, "sort": data.get("sort") or "metadata_modified desc", "facets": {},
            "search_facets": {}}  # fmt: skip


def package_show(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    wanted = str(data.get("id") or data.get("name") or "")
    if not wanted:
        raise invalid("id: Missing value")
    catalog = VisibleCatalog.of_request(request)
    for dataset_id, view in catalog.views.items():
        if wanted in (dataset_id, str(view.dataset.uid)):
            return package(request, dataset_object(view, count=catalog.counts[dataset_id]))
    raise not_found()


def organization_list(request: HttpRequest, data: dict[str, Any]) -> list[Any]:
    publishers = sorted({view.dataset.publisher for view in VisibleCatalog.of_request(request).views.values()} - {""})
    if str(data.get("all_fields", "")).lower() in ("true", "1"):
        return [{"name": slugify(name), "title": name, "display_name": name, "type": "organization"}
                for name in publishers]  # fmt: skip
    return [slugify(name) for name in publishers]


ACTIONS: dict[str, Callable[[HttpRequest, dict[str, Any]], Any]] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
}


def _parameters(request: HttpRequest) -> dict[str, Any]:
    if request.method == "POST" and request.body:
        try:
            data = json.loads(request.body)
        except ValueError:
            raise invalid("The body is not JSON") from None
        if not isinstance(data, dict):
            raise invalid("The body is not a JSON object")
        return data
    return request.GET.dict()


@csrf_exempt  # read-only actions, answered to anonymous callers: nothing for a forged request to do
@require_http_methods(["GET", "HEAD", "POST"])
def action(request: HttpRequest, name: str) -> HttpResponse:
    refused = check_rate_limit(principal_from_request(request), client_ip(request))
    if refused is not None:
        return refused
    help_url = request.build_absolute_uri(f"/api/3/action/help_show?name={name}")
    try:
        if name not in ACTIONS:
            raise CkanError("Bad request - Action name not known", f"Action name not known: {name}", 400)
        result = ACTIONS[name](request, _parameters(request))
    except CkanError as error:
        body = {"help": help_url, "success": False, "error": {"__type": error.kind, "message": error.message}}
        return json_response(body, status=error.status)
    return json_response({"help": help_url, "success": True, "result": result})
