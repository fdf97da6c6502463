from django.urls import path

from datapolis.api.explore.views import api as explore_api

urlpatterns = [
    path("api/explore/v2.1/", explore_api.urls),
]
