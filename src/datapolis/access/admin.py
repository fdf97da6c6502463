from django.contrib import admin

from datapolis.access.models import ApiKey, AuditEvent, Grant, PortalAdmin, PublisherRole


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ("dataset", "user", "group", "data_visible", "row_filter", "expires_at")
    list_filter = ("data_visible",)
    search_fields = ("dataset__dataset_id", "user__username", "group__name")
    raw_id_fields = ("dataset", "user", "group", "created_by")

    def save_model(self, request, obj, form, change):
        from datapolis.access import audit
        from datapolis.access.filters import validate_row_filter

        obj.row_filter = validate_row_filter(obj.row_filter, obj.dataset)
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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "target", "ip")
    list_filter = ("action",)
    search_fields = ("actor_name", "target", "ip")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
