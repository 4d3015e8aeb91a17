"""The FilterSets of the projects app, those of the partner API's project workshops and
investment projects. (The admin searches with its own fields; the portal lists without filters.)

Filters across relations use EXISTS subqueries rather than joins: a join would repeat a row per
related row and inflate the querysets' counted annotations."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from companies.filtersets import sector_and_below
from projects.choices import FigureProvenance, InvestmentKind
from projects.models import InvestmentMilestone, InvestmentProject, Workshop, WorkshopParticipant, WorkshopSession
from projects.selectors import PUBLIC_INVESTMENT_STAGES, PUBLIC_WORKSHOP_STATES
from wfs_portal.choices import District
from wfs_portal.filters import BaseFilterSet

# Only what the API shows can be asked for.
PUBLIC_WORKSHOP_STATE_CHOICES = [(state.value, state.label) for state in PUBLIC_WORKSHOP_STATES]
PUBLIC_INVESTMENT_STAGE_CHOICES = [(stage.value, stage.label) for stage in PUBLIC_INVESTMENT_STAGES]


def updated_since_filter(including: str) -> django_filters.IsoDateTimeFilter:
    """``updated_since`` (as in UpdatedSinceMixin) that also finds records whose nested parts changed."""
    return django_filters.IsoDateTimeFilter(
        method="changed_since",
        label=_("Updated since"),
        help_text=format_lazy(
            "{} {}",
            _("Only records changed at or after this moment (ISO 8601), for incremental synchronisation."),
            including,
        ),
    )


class WorkshopFilterSet(BaseFilterSet):
    search_fields = ("title_de", "title_en", "topic", "challenge_de", "challenge_en")
    state = django_filters.MultipleChoiceFilter(choices=PUBLIC_WORKSHOP_STATE_CHOICES, label=_("State"))
    open_for_participants = django_filters.BooleanFilter(label=_("Open to new participants"))
    sector = django_filters.CharFilter(
        method="by_sector", label=_("Sector"), help_text=_("NACE code; includes the codes below it (C → 26.60).")
    )
    technology_field = django_filters.CharFilter(method="by_technology_field", label=_("Technology field"))
    session_from = django_filters.DateFilter(
        method="by_session_from",
        label=_("Session from"),
        help_text=_("Only workshops with a session on or after this date."),
    )
    session_until = django_filters.DateFilter(
        method="by_session_until",
        label=_("Session until"),
        help_text=_("Only workshops with a session on or before this date."),
    )
    updated_since = updated_since_filter(_("A change to a session or a participation counts as a change."))

    class Meta:
        model = Workshop
        fields = ["state", "open_for_participants"]

    def by_sector(self, queryset, name, value):
        links = Workshop.sectors.through.objects.filter(workshop=OuterRef("pk"), sector__in=sector_and_below(value))
        return queryset.filter(Exists(links))

    def by_technology_field(self, queryset, name, value):
        links = Workshop.technology_fields.through.objects.filter(
            workshop=OuterRef("pk"), technologyfield__slug=value.strip()
        )
        return queryset.filter(Exists(links))

    def by_session_from(self, queryset, name, value):
        return queryset.filter(Exists(self._sessions().filter(starts_at__date__gte=value)))

    def by_session_until(self, queryset, name, value):
        return queryset.filter(Exists(self._sessions().filter(starts_at__date__lte=value)))

    @staticmethod
    def _sessions():
        return WorkshopSession.objects.filter(workshop=OuterRef("pk"))

    def changed_since(self, queryset, name, value):
        # Sessions and participations are part of the resource: a changed session changes the workshop.
        return queryset.filter(
            Q(updated__gte=value)
            | Exists(self._sessions().filter(updated__gte=value))
            | Exists(WorkshopParticipant.objects.filter(workshop=OuterRef("pk"), updated__gte=value))
        )


class InvestmentProjectFilterSet(BaseFilterSet):
    # Never the investor's name or the code name: a search hit would disclose a confidential identity.
    search_fields = ("title", "site_municipality")
    kind = django_filters.MultipleChoiceFilter(choices=InvestmentKind.choices, label=_("Kind"))
    stage = django_filters.MultipleChoiceFilter(choices=PUBLIC_INVESTMENT_STAGE_CHOICES, label=_("Stage"))
    district = django_filters.MultipleChoiceFilter(
        field_name="site_district", choices=District.choices, label=_("Site district")
    )
    figure_provenance = django_filters.MultipleChoiceFilter(choices=FigureProvenance.choices, label=_("Figures are"))
    sector = django_filters.CharFilter(
        method="by_sector", label=_("Sector"), help_text=_("NACE code; includes the codes below it (C → 26.60).")
    )
    decision_from = django_filters.DateFilter(field_name="decision_date", lookup_expr="gte", label=_("Decision from"))
    decision_until = django_filters.DateFilter(field_name="decision_date", lookup_expr="lte", label=_("Decision until"))
    production_start_from = django_filters.DateFilter(
        field_name="production_start_date", lookup_expr="gte", label=_("Start of production from")
    )
    production_start_until = django_filters.DateFilter(
        field_name="production_start_date", lookup_expr="lte", label=_("Start of production until")
    )
    updated_since = updated_since_filter(_("A change to a milestone counts as a change."))

    class Meta:
        model = InvestmentProject
        fields = ["kind", "stage", "figure_provenance"]

    def by_sector(self, queryset, name, value):
        links = InvestmentProject.sectors.through.objects.filter(
            investmentproject=OuterRef("pk"), sector__in=sector_and_below(value)
        )
        return queryset.filter(Exists(links))

    def changed_since(self, queryset, name, value):
        # Milestones are part of the resource: a new milestone changes the project.
        milestones = InvestmentMilestone.objects.filter(project=OuterRef("pk"), updated__gte=value)
        return queryset.filter(Q(updated__gte=value) | Exists(milestones))
