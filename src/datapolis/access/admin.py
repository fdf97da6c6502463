from django import forms
from django.contrib import admin

from datapolis.access.filters import InvalidRowFilter, validate_row_filter
from datapolis.access.models import ApiKey, AuditEvent, Grant, PortalAdmin, PublisherRole


class RowFilterForm(forms.ModelForm):
    """Refuses a row filter the ODSQL checker rejects for the chosen dataset."""

    def clean(self):
        cleaned = super().clean()
        dataset = cleaned.get("dataset") or getattr(self.instance, "dataset", None)
        if dataset is not None:
            try:
                cleaned["row_filter"] = validate_row_filter(cleaned.get("row_filter"), dataset)
            except InvalidRowFilter as error:
                self.add_error("row_filter", str(error))
        return cleaned


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

        from datapolis.access import audit

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
