"""The FilterSets of the fairs app. TradeFairFilterSet and BoothRegistrationFilterSet filter the
partner API's trade-fairs and booth-registrations; their search (``q``) is also the admin's search
box of those models. JointBoothFilterSet serves only the admin's search box of booths and its booth
chooser: the API shows booths within their fair, and the portal lists fairs without filters."""

import re

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from companies.filtersets import SectorFilter
from fairs.models import BoothRegistration, JointBooth, TradeFair
from wfs_portal.choices import EventState, RegistrationState
from wfs_portal.filters import BaseFilterSet, UpdatedSinceMixin

_YEAR = re.compile(r"\d{4}")


class WordSearch:
    """``q`` word by word, as the admin's search box works: every word must occur in one of
    ``search_fields``, in any order, and a four-digit word may instead be the fair's year
    (``year_fields``). A fair's name is kept without its year ("Arab Health"), so "Arab Health 2027"
    finds that edition only this way. A quoted phrase counts as one word. The admin searches with
    ``search_queryset`` too, so staff and partners get the same results."""

    search_fields: tuple[str, ...] = ()
    year_fields: tuple[str, ...] = ()

    @classmethod
    def search_queryset(cls, queryset: QuerySet, value: str) -> QuerySet:
        for word in smart_split(value.strip()):
            if word[0] in "\"'" and word[-1] == word[0]:
                word = unescape_string_literal(word)
            if not word:
                continue
            condition = Q()
            for field in cls.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            if _YEAR.fullmatch(word):
                for field in cls.year_fields:
                    condition |= Q(**{field: int(word)})
            # The fields reach other tables only along foreign keys (one fair per booth, one booth
            # and one organisation per registration), so no row is found twice.
            queryset = queryset.filter(condition)
        return queryset

    def search(self, queryset, name, value):
        return self.search_queryset(queryset, value)


class TradeFairFilterSet(WordSearch, BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("name", "city", "description_de", "description_en")
    year_fields = ("start_date__year", "programme_year")
    country = django_filters.MultipleChoiceFilter(choices=list(countries))
    starts_after = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label=_("Starts on or after"), help_text=_("ISO date.")
    )
    starts_before = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=_("Starts on or before"), help_text=_("ISO date.")
    )
    state = django_filters.MultipleChoiceFilter(
        choices=EventState.choices,
        method="by_booth_state",
        label=_("Booth state"),
        help_text=_("Fairs with a joint booth in one of these states."),
    )
    open_for_registration = django_filters.BooleanFilter(
        method="by_open_booth",
        label=_("Open for registration"),
        help_text=_("Fairs with a joint booth that is open and whose registration deadline has not passed."),
    )
    sector = SectorFilter()
    updated_since = django_filters.IsoDateTimeFilter(
        method="by_updated_since",
        label=_("Updated since"),
        help_text=_("Only fairs changed, or whose joint booths changed, at or after this moment (ISO 8601)."),
    )

    class Meta:
        model = TradeFair
        fields = ["country", "programme_year"]

    @staticmethod
    def _has_booth(condition: Q) -> Exists:
        # Exists rather than a join, so that a fair with two matching booths appears once.
        return Exists(JointBooth.objects.filter(condition, fair=OuterRef("pk")))

    def by_booth_state(self, queryset, name, value):
        if not value:
            return queryset
        # A planned booth is internal: it never makes a fair match, not even when asked for.
        return queryset.filter(self._has_booth(Q(state__in=value) & ~Q(state=EventState.PLANNED)))

    def by_open_booth(self, queryset, name, value):
        if value is None:
            return queryset
        is_open = Exists(JointBooth.objects.open().filter(fair=OuterRef("pk")))
        return queryset.filter(is_open if value else ~is_open)

    def by_updated_since(self, queryset, name, value):
        # A booth opening or changing its deadline is news about the fair: a partner synchronising
        # with updated_since must see it although the fair's own row did not change.
        return queryset.filter(Q(updated__gte=value) | self._has_booth(Q(updated__gte=value)))


class JointBoothFilterSet(WordSearch, BaseFilterSet):
    """The admin's search of booths (JointBoothAdmin and the booth chooser of registrations), so
    only ``q``: no view filters booths by their fields (the admin's list has its own filters)."""

    search_fields = ("title", "hall", "stand", "fair__name", "fair__city")
    year_fields = ("fair__start_date__year", "fair__programme_year")

    class Meta:
        model = JointBooth
        fields = []


class BoothRegistrationFilterSet(WordSearch, BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("organisation__name", "booth__fair__name", "booth__fair__city", "products")
    year_fields = ("booth__fair__start_date__year", "booth__fair__programme_year")
    state = django_filters.MultipleChoiceFilter(choices=RegistrationState.choices)
    fair = django_filters.NumberFilter(field_name="booth__fair", label=_("Trade fair"))

    class Meta:
        model = BoothRegistration
        fields = ["booth", "organisation", "state"]
