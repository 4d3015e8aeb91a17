"""Staff decide which groups get which alerts."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import StaffAlert


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ["topic", "enabled", "group_names"]
    list_editable = ["enabled"]
    filter_horizontal = ["groups"]
    fields = ["topic", "enabled", "groups"]
    readonly_fields = ["topic"]

    @admin.display(description=_("groups"))
    def group_names(self, obj: StaffAlert) -> str:
        return ", ".join(group.name for group in obj.groups.all()) or _("— (the superusers)")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def has_add_permission(self, request):
        return False  # one row per topic, made by migrate

    def has_delete_permission(self, request, obj=None):
        return False
