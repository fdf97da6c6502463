from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "datapolis.backoffice"
    label = "backoffice"
    verbose_name = _("Publishing back office")

    def ready(self) -> None:
        from datapolis.backoffice import tasks  # noqa: F401 (registers the upload import job kind)
