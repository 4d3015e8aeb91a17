"""The base of every app's FilterSets: ``q`` (free text over the fields a FilterSet names in
``search_fields``) and ``updated_since`` (incremental synchronisation)."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), help_text=_("Free-text search."))
    search_fields: tuple[str, ...] = ()

    def is_valid(self) -> bool:
        """Valid, and every date-time given in UTC: ISO 8601 admits offsets up to ±23:59, PostgreSQL
        only up to ±15:59, and a moment at the edge of the calendar may not exist in UTC at all."""
        if not super().is_valid():
            return False
        for name, value in list(self.form.cleaned_data.items()):
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                try:
                    self.form.cleaned_data[name] = value.astimezone(datetime.UTC)
                except OverflowError:
                    self.form.add_error(name, _("This moment lies outside the calendar."))
        return not self.form.errors

    def filter_queryset(self, queryset):
        """Every other filter first, ``q`` last: a ranked search (companies/search.py) looks at the
        best rows among those the filters leave, not among all."""
        search = self.form.cleaned_data.get("q")
        self.form.cleaned_data["q"] = ""
        try:
            queryset = super().filter_queryset(queryset)
        finally:
            self.form.cleaned_data["q"] = search
        return self.filters["q"].filter(queryset, search) if search else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        queryset = queryset.filter(condition)
        # A search across a relation can find a row once per related row.
        return queryset.distinct() if any("__" in field for field in self.search_fields) else queryset


class UpdatedSinceMixin(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated",
        lookup_expr="gte",
        label=_("Updated since"),
        help_text=_("Only records changed at or after this moment (ISO 8601), for incremental synchronisation."),
    )
