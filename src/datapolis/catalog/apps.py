from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "datapolis.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from datapolis.catalog.metadata_cache import drop_triggers, install_triggers

        # Dropped while migrations run (they may drop or retype a watched column), then
        # created again, naming the tables' columns as they now are.
        pre_migrate.connect(drop_triggers, sender=self, dispatch_uid="datapolis_metadata_triggers_drop")
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="datapolis_metadata_triggers")
