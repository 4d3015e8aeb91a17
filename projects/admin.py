from django.contrib import admin
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects import services
from projects.models import (
    InvestmentMilestone,
    InvestmentProject,
    Workshop,
    WorkshopJoinRequest,
    WorkshopParticipant,
    WorkshopSession,
)
from wfs_portal.admin import StackedInline, TabularInline, WfsModelAdmin, service_action
from wfs_portal.admin_columns import annotation_column
from wfs_portal.l10n import format_amount
from wfs_portal.registration_admin import ApplicantVerification


class WorkshopSessionInline(StackedInline):
    model = WorkshopSession
    extra = 0
    autocomplete_fields = ["host"]
    fields = [("starts_at", "ends_at"), ("place", "host"), "agenda", "minutes"]


class WorkshopParticipantInline(TabularInline):
    model = WorkshopParticipant
    extra = 0
    autocomplete_fields = ["organisation", "contact"]
    fields = ["organisation", "contact", "role", "joined", "left"]


@admin.register(Workshop)
class WorkshopAdmin(WfsModelAdmin):
    list_display = [
        "title_de",
        "topic",
        "state",
        "open_for_participants",
        "participant_count",
        "session_count",
        "next_session",
    ]
    list_filter = ["state", "open_for_participants", "technology_fields"]
    search_fields = ["title_de", "title_en", "topic"]
    autocomplete_fields = ["sectors", "lead"]
    filter_horizontal = ["technology_fields"]
    inlines = [WorkshopSessionInline, WorkshopParticipantInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                participant_count=Count("participations", distinct=True),
                session_count=Count("sessions", distinct=True),
                next_session=Min("sessions__starts_at", filter=Q(sessions__starts_at__gte=timezone.now())),
            )
        )

    participant_count = annotation_column("participant_count", _("participants"))
    session_count = annotation_column("session_count", _("sessions"))
    next_session = annotation_column("next_session", _("next session"))


@admin.register(WorkshopSession)
class WorkshopSessionAdmin(WfsModelAdmin):
    list_display = ["workshop", "starts_at", "place", "host"]
    list_filter = ["workshop"]
    search_fields = ["workshop__title_de", "place", "agenda", "minutes"]
    autocomplete_fields = ["workshop", "host"]
    date_hierarchy = "starts_at"
    list_select_related = ["workshop", "host"]


@admin.register(WorkshopParticipant)
class WorkshopParticipantAdmin(WfsModelAdmin):
    list_display = ["organisation", "workshop", "role", "joined", "left"]
    list_filter = ["workshop", "role"]
    search_fields = ["organisation__name", "workshop__title_de"]
    autocomplete_fields = ["workshop", "organisation", "contact"]
    list_select_related = ["workshop", "organisation"]


@admin.register(WorkshopJoinRequest)
class WorkshopJoinRequestAdmin(ApplicantVerification, WfsModelAdmin):
    """Requests come from the portal; staff decide them with the actions, which go through
    projects.services (the participant is created, the organisation told by e-mail)."""

    list_display = ["organisation", "organisation_verification", "workshop", "state", "created", "decided_at"]
    list_filter = ["state", "organisation__verification_state", "workshop"]
    search_fields = ["organisation__name", "workshop__title_de", "workshop__title_en", "message"]
    list_select_related = ["organisation", "workshop", "contact"]
    date_hierarchy = "created"
    fields = [
        "workshop",
        "organisation",
        "contact",
        "message",
        "state",
        "requested_by",
        "created",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields
    actions = ["accept", "decline"]

    def has_add_permission(self, request):
        return False

    accept = service_action(
        _("Accept selected (the organisations join the workshop)"),
        lambda modeladmin, obj, user: services.workshop_join_request_accept(join_request=obj, user=user),
        lambda n: ngettext("%(count)d join request accepted.", "%(count)d join requests accepted.", n),
    )
    decline = service_action(
        _("Decline selected"),
        lambda modeladmin, obj, user: services.workshop_join_request_decline(join_request=obj, user=user),
        lambda n: ngettext("%(count)d join request declined.", "%(count)d join requests declined.", n),
    )


class MilestoneInline(TabularInline):
    model = InvestmentMilestone
    extra = 0
    fields = ["date", "kind", "note"]


@admin.register(InvestmentProject)
class InvestmentProjectAdmin(WfsModelAdmin):
    list_display = [
        "code_name",
        "title",
        "investor",
        "kind",
        "stage",
        "site_district",
        "investment_volume",
        "figure_provenance",
        "new_jobs",
        "secured_jobs",
        "production_start_date",
    ]
    list_filter = ["stage", "kind", "site_district", "figure_provenance", "is_confidential", "responsible"]
    search_fields = ["code_name", "title", "investor__name", "site_municipality"]
    date_hierarchy = "production_start_date"
    autocomplete_fields = ["investor", "partner_organisations", "sectors", "responsible"]
    list_select_related = ["investor"]
    readonly_fields = ["created", "updated"]
    inlines = [MilestoneInline]
    fieldsets = [
        (None, {"fields": ["code_name", "title", "is_confidential", "investor", "kind", "stage", "lost_reason"]}),
        (_("Site"), {"fields": ["site_district", "site_municipality", "sectors"]}),
        (
            _("Figures"),
            {"fields": ["investment_volume_eur", "figure_provenance", "new_jobs", "secured_jobs", "site_offers_sent"]},
        ),
        (_("Dates"), {"fields": ["first_contact_date", "decision_date", "production_start_date"]}),
        (_("Accompaniment"), {"fields": ["responsible", "partner_organisations", "notes", "created", "updated"]}),
    ]

    # Grouped digits ("33.300.000,00"): the admin shows a Decimal without them, which is unreadable
    # at this size. The column title names the currency.
    @admin.display(description=_("investment volume (EUR)"), ordering="investment_volume_eur")
    def investment_volume(self, obj):
        if obj.investment_volume_eur is None:
            return None
        return format_amount(obj.investment_volume_eur, unit=False)


@admin.register(InvestmentMilestone)
class InvestmentMilestoneAdmin(WfsModelAdmin):
    list_display = ["project", "date", "kind"]
    list_filter = ["kind"]
    search_fields = ["project__code_name", "project__title", "note"]
    autocomplete_fields = ["project"]
    date_hierarchy = "date"
    list_select_related = ["project"]
