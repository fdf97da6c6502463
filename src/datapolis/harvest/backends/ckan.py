"""CKAN portals through the action API: `package_search`, paged, then each package as it is.

A package's `metadata_modified` is compared between runs; its data comes from the best
resource (FORMAT_PREFERENCE), if it has one in a format Datapolis reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from django.utils.translation import gettext_noop

from datapolis.fetching import FetchError
from datapolis.harvest.backends.base import (
    Connection,
    Distribution,
    RemoteDataset,
    best_distribution,
    normalise_format,
    text,
)

PAGE = 100
ACTION = "/api/3/action/"


def ckan_base(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.split("/api/")[0].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


class CkanBackend:
    def __init__(self, url: str, connection: Connection) -> None:
        self.base = ckan_base(url)
        self.connection = connection

    def headers(self) -> dict[str, str]:
        return {"Authorization": self.connection.api_key} if self.connection.api_key else {}

    def action(self, name: str, **params: Any) -> Any:
        answer = self.connection.get_json(f"{self.base}{ACTION}{name}?{urlencode(params)}", self.headers())
        if not isinstance(answer, dict) or not answer.get("success"):
            raise FetchError(
                gettext_noop("The CKAN action %(action)s failed: %(error)s."),
                {"action": name, "error": text((answer or {}).get("error") if isinstance(answer, dict) else answer)},
                code="bad_answer",
            )
        return answer["result"]

    def datasets(self) -> Iterator[RemoteDataset]:
        start = 0
        while True:
            page = self.action("package_search", rows=PAGE, start=start, sort="name asc")
            results = page.get("results") or []
            for package in results:
                yield self.remote_dataset(package)
            start += len(results)
            if not results or start >= int(page.get("count") or 0):
                return

    def remote_dataset(self, package: dict[str, Any]) -> RemoteDataset:
        name = text(package.get("name")) or text(package.get("id"))
        extras = {text(extra.get("key")): extra.get("value") for extra in package.get("extras") or []}
        organization = package.get("organization") or {}
        distributions = [
            Distribution(text(resource.get("url")), kind)
            for resource in package.get("resources") or []
            if text(resource.get("url"))
            and (kind := normalise_format(resource.get("format")) or normalise_format(resource.get("mimetype")))
        ]
        return RemoteDataset(
            remote_id=name,
            uri=text(extras.get("uri")) or f"{self.base}/dataset/{quote(name, safe='')}",
            metadata={
                "title": text(package.get("title")) or name,
                "description": text(package.get("notes")),
                "keywords": [text(tag.get("name")) for tag in package.get("tags") or [] if text(tag.get("name"))],
                "themes": [
                    text(group.get("title")) or text(group.get("name")) for group in package.get("groups") or []
                ],
                "license": text(package.get("license_id")),
                "license_url": text(package.get("license_url")),
                "publisher": text(organization.get("title")) or text(organization.get("name")),
                "producer": text(package.get("author")),
                "contact_name": text(package.get("maintainer")),
                "contact_email": text(package.get("maintainer_email")),
            },
            modified=text(package.get("metadata_modified")),
            distribution=best_distribution(distributions),
            restricted=bool(package.get("private")),
        )
