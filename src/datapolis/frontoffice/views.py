"""Thin views: read the request, ask `services`, render a template."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_replace, csp_update
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from datapolis.content_security import EMBED_DIRECTIVES, basemap_directives
from datapolis.frontoffice.pages import api as api_page
from datapolis.frontoffice.pages import catalog as catalog_page
from datapolis.frontoffice.pages import chart as chart_page
from datapolis.frontoffice.pages import common
from datapolis.frontoffice.pages import exports as exports_page
from datapolis.frontoffice.pages import home as home_page
from datapolis.frontoffice.pages import information as information_page
from datapolis.frontoffice.pages import map as map_page
from datapolis.frontoffice.pages import table as table_page
from datapolis.frontoffice.pages.common import DatasetPage
from datapolis.queries.errors import NotFound

TABS = ("dataset", "table", "map", "chart", "api", "export")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", home_page.home(request))


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    state = catalog_page.CatalogState.from_query(request.GET)
    context = {"state": state, **catalog_page.catalog(request, state)}
    template = "portal/catalog_results.html" if _partial(request, "catalog-results") else "portal/catalog.html"
    return render(request, template, context)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    return render(request, "portal/suggestions.html", {"q": text, "items": catalog_page.suggestions(request, text)})


def _partial(request: HttpRequest, target: str) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == target


def dataset_page(tab: str, *, embed: bool = False) -> Callable:
    """Open the dataset through the access policy (404 when hidden) and render one tab."""

    def decorator(build: Callable[[HttpRequest, DatasetPage], dict[str, Any]]) -> Callable:
        @require_GET
        @wraps(build)
        def view(request: HttpRequest, dataset_id: str) -> HttpResponse:
            try:
                page = common.open_page(request, dataset_id)
            except NotFound:
                raise Http404(dataset_id) from None
            needs_data = tab in {"table", "map", "chart", "export"}
            context: dict[str, Any] = {"page": page, "dataset": page.dataset, "state": page.state, "tab": tab,
                                       "embed": embed, "tabs": _tabs(page)}  # fmt: skip
            if page.past_version:
                context["current_version_query"] = page.state.querystring(drop=("version", "page"))
            if not needs_data or page.data_visible:
                context.update(build(request, page))
            visit = not request.headers.get("HX-Request") and not getattr(request, "head_only", False)
            if not embed and tab in {"dataset", "table"} and visit:
                common.count_view(page.dataset)
            if embed:
                template = f"portal/embed_{tab}.html"
            elif tab == "table" and _partial(request, "table-region"):
                template = "portal/table_region.html"
            else:
                template = f"portal/dataset_{'info' if tab == 'dataset' else tab}.html"
            return render(request, template, context)

        # Embeds are made to be framed by other sites: no X-Frame-Options, frame-ancestors *.
        return csp_replace(EMBED_DIRECTIVES)(xframe_options_exempt(view)) if embed else view

    return decorator


def _tabs(page: DatasetPage) -> list[dict[str, Any]]:
    from django.utils.translation import gettext as _

    query = page.state.querystring(drop=("page",))
    labels = {
        "dataset": _("Information"),
        "table": _("Table"),
        "map": _("Map"),
        "chart": _("Chart"),
        "api": _("API"),
        "export": _("Export"),
    }
    tabs = []
    for name in TABS:
        if name in {"table", "map", "chart", "export", "api"} and not page.data_visible:
            continue
        if name == "map" and not page.geo_fields:
            continue
        url = reverse(f"portal:{name}", args=[page.dataset.dataset_id])
        tabs.append({"name": name, "label": labels[name], "url": url + (f"?{query}" if query else "")})
    return tabs


def _embed_snippet(request: HttpRequest, page: DatasetPage, kind: str, extra: str = "") -> str:
    query = "&".join(part for part in (page.state.querystring(), extra) if part)
    url = request.build_absolute_uri(reverse(f"portal:embed-{kind}", args=[page.dataset.dataset_id]))
    src = url + (f"?{query}" if query else "")
    # The snippet is pasted into other sites: every value in it is escaped as an attribute.
    return (
        f'<iframe src="{escape(src)}" title="{escape(page.dataset.title)}" width="100%" height="520" '
        'style="border:0" loading="lazy"></iframe>'
    )


@dataset_page("dataset")
def information(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    return information_page.information(page)


@dataset_page("table")
def table(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    return {"table": table_page.table(page), "embed_snippet": _embed_snippet(request, page, "table")}


def _map(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    context = map_page.map_config(page, request, request.GET)
    extra = urlencode({key: request.GET[key] for key in ("geo", "color") if request.GET.get(key)})
    context["embed_snippet"] = _embed_snippet(request, page, "map", extra)
    return context


def _chart(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    options = chart_page.ChartOptions.from_query(request.GET, page.fields)
    context = {"options": options, "chart": chart_page.chart(page, options)}
    context["embed_snippet"] = _embed_snippet(request, page, "chart", urlencode(options.params()))
    context["options_query"] = urlencode(options.params())  # kept when a filter chip is removed
    context["chart_types"] = chart_page.CHART_TYPES
    context["aggregations"] = chart_page.AGGREGATIONS
    context["time_units"] = list(chart_page.TIME_UNITS)
    context["x_fields"] = [s for s in page.fields if s.type in {"text", "date", "datetime", "int", "boolean"}]
    context["y_fields"] = [s for s in page.fields if s.type in {"int", "double"}]
    context["series_fields"] = [s for s in page.fields if s.type in {"text", "boolean"}]
    return context


def basemap_sources(view: Callable) -> Callable:
    """The map's policy also allows the origin of the basemap style, when one is set (read per request)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        directives = basemap_directives(map_page.basemap_style_url())
        if directives:
            return csp_update(directives)(view)(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapped


map_view = basemap_sources(dataset_page("map")(_map))
chart = dataset_page("chart")(_chart)


@dataset_page("api")
def api(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    return {"urls": api_page.api_urls(page, request)}


@dataset_page("export")
def export(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    return {"exports": exports_page.exports(page)}


@dataset_page("table", embed=True)
def embed_table(request: HttpRequest, page: DatasetPage) -> dict[str, Any]:
    return {"table": table_page.table(page)}


embed_map = basemap_sources(dataset_page("map", embed=True)(_map))
embed_chart = dataset_page("chart", embed=True)(_chart)


# -- site pages: legal notice, accessibility statement, robots.txt, sitemap.xml ----------


@require_GET
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/legal_notice.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap_url = request.build_absolute_uri(reverse("portal:sitemap"))
    return render(request, "portal/robots.txt", {"sitemap_url": sitemap_url}, content_type="text/plain; charset=utf-8")


@require_GET
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    from django.contrib.sitemaps.views import sitemap

    from datapolis.frontoffice.sitemaps import PortalSitemap

    return sitemap(request, {"portal": PortalSitemap(request)}, template_name="portal/sitemap.xml")
