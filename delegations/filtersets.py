"""The FilterSets of the delegations app, those of the partner API's delegations and
delegation-participants. (The admin searches with its own fields; the portal lists without
filters; programme items are not part of the API.)"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from companies.filtersets import SectorFilter
from delegations.choices import Direction, ParticipantRole
from delegations.models import Delegation, DelegationParticipant
from wfs_portal.choices import EventState, RegistrationState
from wfs_portal.filters import BaseFilterSet, UpdatedSinceMixin


class DelegationFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("title", "theme", "description", "cities")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    country = django_filters.MultipleChoiceFilter(
        choices=list(countries),
        method="by_country",
        label=_("Country"),
        help_text=_("Outbound: a country visited. Inbound: a country the delegation comes from."),
    )
    starts_after = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label=_("Starts on or after"), help_text=_("ISO date.")
    )
    starts_before = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=_("Starts on or before"), help_text=_("ISO date.")
    )
    state = django_filters.MultipleChoiceFilter(choices=EventState.choices)
    open_for_registration = django_filters.BooleanFilter(
        method="by_open",
        label=_("Open for registration"),
        help_text=_("Open, and the registration deadline (if any) has not passed."),
    )
    sector = SectorFilter()

    class Meta:
        model = Delegation
        fields = ["direction", "state"]

    def by_country(self, queryset, name, value):
        if not value:
            return queryset
        # The countries are stored as "VN,TH": two-letter codes between commas, so a code found in
        # the text is always a whole code.
        condition = Q()
        for code in value:
            condition |= Q(countries__contains=code)
        return queryset.filter(condition)

    def by_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.open() if value else queryset.closed()


class DelegationParticipantFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("organisation__name", "delegation__title")
    state = django_filters.MultipleChoiceFilter(choices=RegistrationState.choices)
    role = django_filters.MultipleChoiceFilter(choices=ParticipantRole.choices)

    class Meta:
        model = DelegationParticipant
        fields = ["delegation", "organisation", "state", "role"]
