"""The pages people use: home, catalog, dataset tabs, and their embeddable versions."""

from __future__ import annotations

from django.urls import path, re_path

from datapolis.frontoffice import ods_links, theme, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/suggest/", views.suggest, name="suggest"),
    path("dataset/<str:dataset_id>/", views.information, name="dataset"),
    path("dataset/<str:dataset_id>/table/", views.table, name="table"),
    path("dataset/<str:dataset_id>/map/", views.map_view, name="map"),
    path("dataset/<str:dataset_id>/chart/", views.chart, name="chart"),
    path("dataset/<str:dataset_id>/api/", views.api, name="api"),
    path("dataset/<str:dataset_id>/export/", views.export, name="export"),
    path("embed/dataset/<str:dataset_id>/table/", views.embed_table, name="embed-table"),
    path("embed/dataset/<str:dataset_id>/map/", views.embed_map, name="embed-map"),
    path("embed/dataset/<str:dataset_id>/chart/", views.embed_chart, name="embed-chart"),
]

urlpatterns += [
    path("legal-notice/", views.legal_notice, name="legal-notice"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("theme.css", theme.theme_css, name="theme"),  # the portal's colours (datapolis.frontoffice.theme)
]

# Opendatasoft's portal URLs, redirected for good to the same views here (ods_links.py).
DATASET = r"explore/dataset/(?P<dataset_id>[^/]+)"
urlpatterns += [
    re_path(r"^explore/?$", ods_links.catalog, name="ods-catalog"),
    re_path(rf"^{DATASET}/?$", ods_links.dataset, name="ods-dataset"),
    re_path(rf"^{DATASET}/(?P<tab>[a-z]+)/?$", ods_links.dataset, name="ods-tab"),
    re_path(r"^explore/embed/dataset/(?P<dataset_id>[^/]+)/(?P<tab>[a-z]+)/?$", ods_links.embed, name="ods-embed"),
    re_path(r"^pages/(?P<slug>[^/]+)/?$", ods_links.page, name="ods-page"),
]
