from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "datapolis.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from datapolis.catalog.metadata_cache import install_triggers

        # After every migrate, so the triggers always list the tables' current columns.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="datapolis_metadata_triggers")
