from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("backoffice/", include("datapolis.backoffice.urls")),
    path("", include("datapolis.api.urls")),
    path("", include("datapolis.access.urls")),
]
