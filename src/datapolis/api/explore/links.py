"""HATEOAS links (`_links`, only when asked for with include_links=true)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from datapolis.api.explore.params import RecordsParams

BASE_PATH = "/api/explore/v2.1/"


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(BASE_PATH + path)


def link(href: str, rel: str) -> dict[str, str]:
    return {"href": href, "rel": rel}


def sources(request: HttpRequest) -> list[dict[str, str]]:
    return [link(absolute(request, "catalog/"), "catalog")]


def catalog(request: HttpRequest) -> list[dict[str, str]]:
    return [
        link(absolute(request, "catalog/datasets/"), "datasets"),
        link(absolute(request, "catalog/facets/"), "facets"),
        link(absolute(request, "catalog/exports/"), "exports"),
    ]


def dataset(request: HttpRequest, dataset_id: str) -> list[dict[str, str]]:
    return [
        link(absolute(request, f"catalog/datasets/{dataset_id}"), "self"),
        link(absolute(request, "catalog/"), "catalog"),
    ]


def _with_offset(request: HttpRequest, offset: int) -> str:
    query: list[tuple[str, Any]] = [(key, value) for key in request.GET for value in request.GET.getlist(key)]
    query = [(key, value) for key, value in query if key != "offset"] + [("offset", offset)]
    return request.build_absolute_uri(request.path) + "?" + urlencode(query)


def page(request: HttpRequest, total: int, params: RecordsParams) -> list[dict[str, str]]:
    limit = max(params.limit, 1)
    last = max(total - 1, 0) // limit * limit
    result = [
        link(_with_offset(request, params.offset), "self"),
        link(_with_offset(request, 0), "first"),
        link(_with_offset(request, last), "last"),
    ]
    if params.offset + limit < total:
        result.append(link(_with_offset(request, params.offset + limit), "next"))
    return result


def add_record_links(
    request: HttpRequest, dataset_id: str, results: list[dict[str, Any]], *, version: int | None = None
) -> None:
    """Each record's links; `version`: the past version they were read from, which their own link keeps."""
    pinned = f"?version={int(version)}" if version is not None else ""
    for result in results:
        if "_id" in result:
            result["_links"] = [
                link(absolute(request, f"catalog/datasets/{dataset_id}/records/{result['_id']}{pinned}"), "self"),
                link(absolute(request, f"catalog/datasets/{dataset_id}"), "dataset"),
            ]


def export_formats(request: HttpRequest, path: str) -> list[dict[str, str]]:
    from datapolis.engine.exports import FORMATS

    return [link(absolute(request, f"{path}/{name}"), name) for name in FORMATS]
