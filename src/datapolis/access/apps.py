from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "datapolis.access"
    label = "access"
    verbose_name = _("Access rights")

    def ready(self) -> None:
        from datapolis.access import signals  # noqa: F401  (connects the audit receivers)
