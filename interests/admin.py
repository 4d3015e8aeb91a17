"""Expressions of interest and follows in the admin: read-only. The companies decide on their own
interests in the portal (contact details are theirs to share), and follows are the users' own."""

from django.contrib import admin

from interests.models import ExpressionOfInterest, Follow
from wfs_portal.admin import WfsModelAdmin


@admin.register(ExpressionOfInterest)
class ExpressionOfInterestAdmin(WfsModelAdmin):
    list_display = ["organisation", "profile", "state", "created", "decided_at"]
    list_filter = ["state"]
    search_fields = ["organisation__name", "profile__title_de", "profile__title_en", "profile__organisation__name"]
    list_select_related = ["organisation", "profile", "profile__organisation"]
    date_hierarchy = "created"
    fields = [
        "profile",
        "organisation",
        "user",
        "contact",
        "answers",
        "message",
        "state",
        "decided_at",
        "decided_by",
        "owner_contact",
        "created",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Follow)
class FollowAdmin(WfsModelAdmin):
    list_display = ["user", "kind", "profile", "organisation", "last_digest_at", "stopped_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "profile__title_de", "profile__title_en"]
    list_select_related = ["user", "profile", "organisation"]
    fields = ["user", "organisation", "kind", "profile", "query", "last_digest_at", "stopped_at", "created"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
