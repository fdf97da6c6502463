"""Opendatasoft's portal URLs, answered with a permanent redirect to the same view here.

A territory moving its portal from Opendatasoft keeps its links: bookmarks, links from
the city's site, search engines' results, embeds in other sites. Each ODS URL goes, with
`301 Moved Permanently`, to the page, embed or export that shows the same thing, its
filters carried over in this portal's parameters (downloads, which scripts call, are
answered by the API: `api/ods_v1.py`):

| Opendatasoft                                   | here                                              |
| ---------------------------------------------- | ------------------------------------------------- |
| `/explore/?q=&refine.theme=&sort=`             | `/catalog/?q=&refine=theme:…&sort=`               |
| `/explore/dataset/<id>/` and `information/`    | `/dataset/<id>/`                                  |
| `…/table/`, `map/`, `analyze/`, `export/`, `api/` | `/dataset/<id>/table/`, `map/`, `chart/`, `export/`, `api/` |
| `…?q=&refine.<f>=&exclude.<f>=&sort=`          | `?q=&refine=<f>:…&exclude=<f>:…&sort=`            |
| `/explore/embed/dataset/<id>/<tab>/`           | `/embed/dataset/<id>/<tab>/`                      |
| `/pages/home/`, `/pages/accueil/`              | `/`                                               |
| `/pages/<name>/`                               | the address in the portal's `page_redirects` (301) |
|                                                | else a catalog search for the page's name (302)   |

Parameters that only drive ODS's own widgets (`location`, `basemap`, `dataChart`,
`disjunctive.*`...) are dropped. A dataset that does not exist is answered by the page
redirected to (a 404), like any other.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponsePermanentRedirect, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views.decorators.http import require_safe

TABS = {"information": "portal:dataset", "table": "portal:table", "map": "portal:map", "analyze": "portal:chart",
        "export": "portal:export", "api": "portal:api"}  # fmt: skip
EMBEDS = {"table": "portal:embed-table", "map": "portal:embed-map", "analyze": "portal:embed-chart"}
CATALOG_SORTS = {"modified": "modified", "-modified": "modified", "title": "title", "records_count": "records",
                 "-records_count": "records"}  # fmt: skip


def _facet_filters(query: QueryDict) -> list[tuple[str, str]]:
    """`refine.<field>=<value>` and `exclude.<field>=<value>` as `refine=<field>:<value>`."""
    params = []
    for key in query:
        kind, _, name = key.partition(".")
        if kind in ("refine", "exclude") and name:
            params += [(kind, f"{name}:{value}") for value in query.getlist(key) if value]
    return params


def _redirect(path: str, params: list[tuple[str, str]]) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(path + (f"?{urlencode(params)}" if params else ""))


@require_safe
def catalog(request: HttpRequest) -> HttpResponsePermanentRedirect:
    query = request.GET
    params = [("q", query["q"])] if query.get("q") else []
    params += [pair for pair in _facet_filters(query) if pair[0] == "refine"]
    sort = CATALOG_SORTS.get(query.get("sort", ""))
    if sort and sort != "modified":
        params.append(("sort", sort))
    return _redirect(reverse("portal:catalog"), params)


def _dataset_params(query: QueryDict) -> list[tuple[str, str]]:
    params = [("q", query["q"])] if query.get("q") else []
    params += _facet_filters(query)
    if query.get("sort"):
        params.append(("sort", query["sort"]))
    return params


@require_safe
def dataset(request: HttpRequest, dataset_id: str, tab: str = "information") -> HttpResponsePermanentRedirect:
    target = TABS.get(tab, "portal:dataset")
    return _redirect(reverse(target, args=[dataset_id]), _dataset_params(request.GET))


@require_safe
def embed(request: HttpRequest, dataset_id: str, tab: str) -> HttpResponsePermanentRedirect:
    target = EMBEDS.get(tab)
    if target is None:
        return _redirect(reverse("portal:dataset", args=[dataset_id]), _dataset_params(request.GET))
    return _redirect(reverse(target, args=[dataset_id]), _dataset_params(request.GET))


HOME_PAGES = ("home", "accueil")


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    """An ODS content page: where the portal's admins said it moved, else the catalog searched for its words."""
    moved = {name: "/" for name in HOME_PAGES} | dict(getattr(request.portal, "page_redirects", None) or {})
    if slug in moved:
        return HttpResponsePermanentRedirect(moved[slug])
    words = " ".join(part for part in re.split(r"[-_\s]+", slug) if part)
    return HttpResponseRedirect(reverse("portal:catalog") + (f"?{urlencode({'q': words})}" if words else ""))
