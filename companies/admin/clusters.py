"""Clusters and networks in the admin, with their members."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from companies.imports import ClusterMembershipResource
from companies.models.clusters import Cluster, ClusterMembership
from companies.services.organisations import organisation_changed
from wfs_portal.admin import TabularInline, WfsModelAdmin
from wfs_portal.imports import WfsImportMixin


class ClusterMemberInline(TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "since", "until"]


@admin.register(Cluster)
class ClusterAdmin(WfsModelAdmin):
    list_display = ["name", "acronym", "managing_organisation", "member_count"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["managing_organisation", "sectors"]
    filter_horizontal = ["technology_fields"]
    inlines = [ClusterMemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("managing_organisation")
            .annotate(member_count=Count("memberships", distinct=True))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(WfsImportMixin, WfsModelAdmin):
    resource_classes = [ClusterMembershipResource]
    list_display = ["organisation", "cluster", "role", "since", "until"]
    list_filter = ["cluster", "role"]
    search_fields = ["organisation__name", "cluster__name"]
    autocomplete_fields = ["organisation", "cluster"]
    list_select_related = ["organisation", "cluster"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        organisation_changed(organisation=obj.organisation)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        organisation_changed(organisation=obj.organisation)

    def delete_queryset(self, request, queryset):
        organisations = {membership.organisation for membership in queryset.select_related("organisation")}
        super().delete_queryset(request, queryset)
        for organisation in organisations:
            organisation_changed(organisation=organisation)
