from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HarvestConfig(AppConfig):
    name = "datapolis.harvest"
    label = "harvest"
    verbose_name = _("Harvesting")

    def ready(self) -> None:
        from datapolis.harvest import tasks  # noqa: F401 (registers the harvest job kind and its schedule)
