"""One FilterSet per model of the reports app (the partner API's finished reports)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from reports.choices import ReportKind
from reports.models import Report
from wfs_portal.filters import BaseFilterSet, UpdatedSinceMixin


@extend_schema_field({"type": "integer", "minimum": 1990, "maximum": 2100})
class YearFilter(django_filters.NumberFilter):
    """A whole year within bounds: a date lookup with a fraction or year 0 would fail in the database."""

    field_class = forms.IntegerField


class ReportFilterSet(UpdatedSinceMixin, BaseFilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label=_("Kind"))
    year = YearFilter(
        field_name="period_start",
        lookup_expr="year",
        label=_("Year"),
        help_text=_("Year the period starts in."),
        min_value=1990,
        max_value=2100,
    )
    latest = django_filters.BooleanFilter(
        method="only_latest",
        label=_("Latest version only"),
        help_text=_("Only the newest finished version per period."),
    )

    class Meta:
        model = Report
        fields = ["kind", "year", "latest"]

    def only_latest(self, queryset, name, value):
        return queryset.filter(is_latest=True) if value else queryset.filter(is_latest=False)
