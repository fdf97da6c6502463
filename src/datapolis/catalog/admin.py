from django.contrib import admin

from datapolis.catalog.models import Attachment, Dataset, Field, Theme


class FieldInline(admin.TabularInline):
    model = Field
    extra = 0
    fields = ("position", "name", "label", "type", "unit", "facet", "sortable", "multivalued", "is_id")
    readonly_fields = ("position", "name", "type")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("dataset_id", "title", "visibility", "status", "records_count", "current_version", "modified")
    list_filter = ("visibility", "status", "themes", "portal")
    search_fields = ("dataset_id", "title", "description", "publisher")
    readonly_fields = ("uid", "created", "current_version", "records_count", "data_modified", "metadata_modified")
    filter_horizontal = ("themes",)
    inlines = [FieldInline, AttachmentInline]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name",)}
