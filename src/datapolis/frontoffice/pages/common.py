"""What the portal's pages share: a dataset page opened for its caller, cards, errors in the page's language."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from datapolis.access.policy import (
    DatasetView,
    dataset_views,
    principal_from_request,
)
from datapolis.access.querying import DatasetAccess, filtered_count, open_dataset
from datapolis.catalog.models import Dataset
from datapolis.engine import Version
from datapolis.frontoffice.state import (
    PageState,
)
from datapolis.odsql import ODSQLError
from datapolis.queries.errors import QueryError
from datapolis.schema import FieldSpec

API_BASE = "/api/explore/v2.1"
GEO_TYPES = {"geo_point_2d", "geo_shape"}


def dataset_cards(request: HttpRequest, datasets: Sequence[Dataset]) -> list[dict[str, Any]]:
    views = dataset_views(principal_from_request(request), request.portal, datasets)
    return [dataset_card(view) for view in views]


def dataset_card(view: DatasetView, count: int | None = None) -> dict[str, Any]:
    dataset = view.dataset
    return {
        "dataset_id": dataset.dataset_id,
        "title": dataset.title,
        "description": dataset.description,
        "themes": [theme.name for theme in dataset.themes.all()],
        "publisher": dataset.publisher,
        "records_count": filtered_count(view) if count is None else count,
        "modified": dataset.modified,
        "internal": dataset.visibility == "restricted",
        "features": dataset.features,
        "url": reverse("portal:dataset", args=[dataset.dataset_id]),
        "freshness": freshness_badge(dataset),
    }


def freshness_badge(dataset: Dataset) -> dict[str, Any] | None:
    """A badge when the dataset's freshness is a problem: late since when, or its last refresh failed.

    The refresh's error is not shown to visitors (it may name internal addresses); owners
    are e-mailed it and read it in the back office.
    """
    from datapolis.sources.freshness import State, freshness

    try:
        state = freshness(dataset)
    except Exception:  # a page shows without its badge rather than fail
        return None
    if state.state == State.FAILING:
        return {"state": "failing", "since": None}
    if state.state == State.LATE:
        return {"state": "late", "since": state.late_after}
    return None


def value_matches(value: Any, text: str) -> bool:
    """A facet value one of whose words starts with `text` (case and accents ignored), as suggest() does."""
    import unicodedata

    def fold(words: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", words.casefold()) if not unicodedata.combining(c))

    needle = fold(text.strip())
    return any(word.startswith(needle) for word in re.split(r"[\W_]+", fold(str(value)))) or fold(str(
        value)).startswith(needle)  # fmt: skip


@dataclass
class DatasetPage:
    """A dataset as the caller sees it, with the page's state."""

    access: DatasetAccess
    state: PageState

    @property
    def dataset(self) -> Dataset:
        return self.access.dataset

    @property
    def fields(self) -> list[FieldSpec]:
        return self.access.visible_specs

    @property
    def labels(self) -> dict[str, str]:
        return {spec.name: spec.label for spec in self.fields}

    @property
    def geo_fields(self) -> list[FieldSpec]:
        return [spec for spec in self.fields if spec.type in GEO_TYPES]

    @property
    def past_version(self) -> Version | None:
        """The past version the page shows (`?version=N`), None on the current one."""
        return self.access.target.past_version

    @property
    def data_visible(self) -> bool:
        return self.access.view.data_visible and self.access.has_data

    def api_url(self, path: str, params: Sequence[tuple[str, str]]) -> str:
        query = urlencode(list(params))
        return f"{API_BASE}/catalog/datasets/{self.dataset.dataset_id}/{path}" + (f"?{query}" if query else "")


def open_page(request: HttpRequest, dataset_id: str) -> DatasetPage:
    """The dataset's page for this caller; raises the API's NotFound (a 404) when hidden."""
    access = open_dataset(request, dataset_id, data=False)
    version = PageState.version_of(request.GET)
    if version is not None and access.has_data:  # the page of a past version: its own rows and fields
        access = access.pinned(version=version)
    state = PageState.from_query(request.GET, access.visible_specs)
    return DatasetPage(access=access, state=state)


def count_view(dataset: Dataset) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(views=F("views") + 1)


QUERY_ERRORS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"unknown field(?: in facet)?: `?(?P<name>[^`\s]+)`?"),
     gettext_lazy("This filter names a field that does not exist (or that you cannot see): %(name)s.")),
    (re.compile(r"incompatible types in comparison"),
     gettext_lazy("This filter compares values of different kinds (for example a text with a number).")),
    (re.compile(r"unknown function (?P<name>\w+)\(\)"),
     gettext_lazy("This filter uses an unknown function: %(name)s().")),
    (re.compile(r"expected a number for (?P<name>\S+)"), gettext_lazy("A number is expected for %(name)s.")),
)  # fmt: skip


def query_error_text(problem: ODSQLError | QueryError) -> str:
    """The query layer's error, said in the page's language (the API keeps the reference's English)."""
    for pattern, text in QUERY_ERRORS:
        found = pattern.search(problem.message)
        if found:
            return str(text) % found.groupdict()
    clause = getattr(problem, "clause", "")
    if clause:
        return gettext("This filter cannot be applied: it is not a valid query (clause %(clause)s).") % {
            "clause": clause
        }
    return gettext("This filter cannot be applied: it is not a valid query.")
