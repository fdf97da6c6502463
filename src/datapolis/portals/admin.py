from django.contrib import admin

from datapolis.portals.models import Portal


@admin.register(Portal)
class PortalAdmin(admin.ModelAdmin):
    list_display = ("host", "name", "is_default")
