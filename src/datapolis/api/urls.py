from django.urls import path, re_path

from datapolis.api import admin, aliases, ckan, ods_v1, ogc, tiles
from datapolis.api.explore.views import api as explore_api

urlpatterns = [
    path("api/admin/", admin.urls()),  # the admin API (datapolis.access.api) with this face's routers
    path("api/explore/v2.1/", explore_api.urls),
    *(path(f"{alias}<path:rest>", aliases.explore_alias) for alias in aliases.ALIASES),
    *(path(alias, aliases.explore_alias) for alias in aliases.ALIASES),
    re_path(r"^explore/dataset/(?P<dataset_id>[^/]+)/download/?$", ods_v1.download, name="ods-download"),
    path("api/records/1.0/search/", ods_v1.records_search, name="ods-v1-records"),
    path("api/records/1.0/download/", ods_v1.records_download, name="ods-v1-download"),
    path("api/datasets/1.0/search/", ods_v1.datasets_search, name="ods-v1-datasets"),
    path("api/datasets/1.0/<str:dataset_id>/", ods_v1.dataset, name="ods-v1-dataset"),
    path("api/3/action/<str:name>", ckan.action, name="ckan-action"),
    path("api/action/<str:name>", ckan.action),  # the path ckanapi calls
    path("api/ogc/", ogc.landing, name="ogc-landing"),
    path("api/ogc/conformance", ogc.conformance, name="ogc-conformance"),
    path("api/ogc/collections", ogc.collections, name="ogc-collections"),
    path("api/ogc/collections/<str:collection_id>", ogc.collection, name="ogc-collection"),
    path("api/ogc/collections/<str:collection_id>/items", ogc.items, name="ogc-items"),
    path("api/ogc/collections/<str:collection_id>/items/<str:feature_id>", ogc.item, name="ogc-item"),
    path("api/tiles/<str:dataset_id>/<int:z>/<int:x>/<int:y>.pbf", tiles.tile, name="dataset-tile"),
]
