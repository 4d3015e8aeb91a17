"""What steers the lists, in the admin: overrides, exclusion rules, feedback, complementary divisions."""

from django.contrib import admin

from matchmaking.models.matches import ComplementaryDivisions, MatchExclusion, MatchFeedback, MatchOverride
from matchmaking.services.steering import match_override_set
from wfs_portal.admin import (
    WfsModelAdmin,
)


class _PartnerVerdictAdmin(WfsModelAdmin):
    """Rows in which a user says something about one partner in one organisation's list (staff's
    overrides, the organisation's feedback): searched by either organisation's name, the user who
    said it shown but not editable."""

    search_fields = ["organisation__name", "partner__name"]
    autocomplete_fields = ["organisation", "partner"]
    readonly_fields = ["user"]
    list_select_related = ["organisation", "partner", "user"]


@admin.register(MatchOverride)
class MatchOverrideAdmin(_PartnerVerdictAdmin):
    list_display = ["organisation", "partner", "action", "user", "created"]
    list_filter = ["action"]

    def save_model(self, request, obj, form, change):
        match_override_set(
            organisation=obj.organisation, partner=obj.partner, action=obj.action, user=request.user, note=obj.note
        )

    def delete_model(self, request, obj):
        match_override_set(organisation=obj.organisation, partner=obj.partner, action=None, user=request.user)


@admin.register(MatchExclusion)
class MatchExclusionAdmin(WfsModelAdmin):
    list_display = ["__str__", "kind", "is_active", "note"]
    list_filter = ["kind", "is_active"]
    search_fields = ["organisation__name", "other__name", "note"]
    autocomplete_fields = ["organisation", "other"]


@admin.register(MatchFeedback)
class MatchFeedbackAdmin(_PartnerVerdictAdmin):
    list_display = ["organisation", "partner", "verdict", "user", "created"]
    list_filter = ["verdict"]


@admin.register(ComplementaryDivisions)
class ComplementaryDivisionsAdmin(WfsModelAdmin):
    list_display = ["first", "second", "note"]
    autocomplete_fields = ["first", "second"]
    search_fields = ["first__code", "first__name_de", "second__code", "second__name_de"]
