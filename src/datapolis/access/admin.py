from django.contrib import admin

from datapolis.access.models import ApiKey, Grant, PortalAdmin, PublisherRole
from datapolis.portals.row_filters import RowFilterForm


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    form = RowFilterForm
    list_display = ("dataset", "user", "group", "data_visible", "row_filter", "expires_at")
    list_filter = ("data_visible",)
    search_fields = ("dataset__dataset_id", "user__username", "group__name")
    raw_id_fields = ("dataset", "user", "group")
    exclude = ("modified", "created_by")

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        from datapolis.audit import events as audit

        obj.modified = timezone.now()
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)
        audit.record(
            request.user, audit.Action.GRANT_CHANGED, obj.dataset.dataset_id, request=request, holder=obj.holder
        )


@admin.register(PublisherRole)
class PublisherRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "dataset", "organisation")
    raw_id_fields = ("user", "group", "dataset")


@admin.register(PortalAdmin)
class PortalAdminAdmin(admin.ModelAdmin):
    list_display = ("user", "portal")
    raw_id_fields = ("user",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created by users or the CLI (the key is shown once); here they are revoked or given a quota."""

    list_display = ("prefix", "user", "name", "scope", "created", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("scope",)
    search_fields = ("prefix", "user__username", "name")
    fields = ("prefix", "user", "name", "scope", "expires_at", "revoked_at", "daily_quota", "last_used_at")
    readonly_fields = ("prefix", "user", "last_used_at")

    def has_add_permission(self, request):
        return False
