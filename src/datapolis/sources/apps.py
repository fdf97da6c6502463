from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcesConfig(AppConfig):
    name = "datapolis.sources"
    label = "sources"
    verbose_name = _("Dataset sources")

    def ready(self) -> None:
        from datapolis.sources import tasks  # noqa: F401 (registers the refresh job kind and its schedules)
