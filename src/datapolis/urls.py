from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("backoffice/", include("datapolis.backoffice.urls")),
    path("", include("datapolis.api.urls")),
    path("", include("datapolis.access.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the pages' language switcher
    path("", include("datapolis.frontoffice.urls")),
]
