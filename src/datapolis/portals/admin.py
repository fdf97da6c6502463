from django.contrib import admin

from datapolis.portals.models import DatasetShare, Portal
from datapolis.portals.row_filters import RowFilterForm


class DatasetShareInline(admin.TabularInline):
    model = DatasetShare
    form = RowFilterForm
    extra = 0
    raw_id_fields = ("dataset",)


@admin.register(Portal)
class PortalAdmin(admin.ModelAdmin):
    list_display = ("host", "name", "is_default")
    fields = ("host", "name", "is_default", "logo", "primary_color", "secondary_color", "home_text", "page_redirects")
    inlines = [DatasetShareInline]
