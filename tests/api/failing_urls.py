"""The project's URLs plus a view that fails, under /api/ and outside it (tests of 500 answers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from datapolis.urls import urlpatterns as project_urlpatterns


def failing(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure in a view")


urlpatterns = [
    path("api/explore/v2.1/failing", failing),
    path("failing-page/", failing),
    *project_urlpatterns,
]
