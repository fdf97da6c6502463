from django.urls import path

from datapolis.api import tiles
from datapolis.api.explore.views import api as explore_api

urlpatterns = [
    path("api/explore/v2.1/", explore_api.urls),
    path("api/tiles/<str:dataset_id>/<int:z>/<int:x>/<int:y>.pbf", tiles.tile, name="dataset-tile"),
]
