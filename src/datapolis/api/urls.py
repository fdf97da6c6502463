from django.urls import path

from datapolis.api import aliases, tiles
from datapolis.api.explore.views import api as explore_api

urlpatterns = [
    path("api/explore/v2.1/", explore_api.urls),
    *(path(f"{alias}<path:rest>", aliases.explore_alias) for alias in aliases.ALIASES),
    *(path(alias, aliases.explore_alias) for alias in aliases.ALIASES),
    path("api/tiles/<str:dataset_id>/<int:z>/<int:x>/<int:y>.pbf", tiles.tile, name="dataset-tile"),
]
