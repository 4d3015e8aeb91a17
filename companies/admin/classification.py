"""The classification in the admin: NACE sectors (reference data) and the agency's technology fields."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from companies.models.classifications import Sector, TechnologyField
from wfs_portal.admin import WfsModelAdmin


@admin.register(Sector)
class SectorAdmin(WfsModelAdmin):
    """The classification is reference data: staff may correct a title, not add or remove codes."""

    list_display = ["code", "name_de", "name_en", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name_de", "name_en"]
    readonly_fields = ["code", "level", "parent", "position"]
    fields = ["code", "level", "parent", "name_de", "name_en", "position"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TechnologyField)
class TechnologyFieldAdmin(WfsModelAdmin):
    list_display = ["name_de", "name_en", "organisation_count", "is_active", "position"]
    list_editable = ["position"]
    list_filter = ["is_active"]
    search_fields = ["name_de", "name_en"]
    prepopulated_fields = {"slug": ["name_de"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(organisation_count=Count("organisations", distinct=True))

    @admin.display(description=_("organisations"), ordering="organisation_count")
    def organisation_count(self, obj):
        return obj.organisation_count
