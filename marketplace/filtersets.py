"""The marketplace's filters: the directory's FilterSets (companies/filtersets.py, with the same
``q`` as the partner API and the admin), with single choices that a phone's select can show."""

import django_filters
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from companies.choices import OrganisationKind, ProfileType, VerificationState
from companies.filtersets import LanguageFilter, OrganisationFilterSet, PartneringProfileFilterSet, sector_and_below
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from wfs_portal.choices import District
from wfs_portal.widgets import QuickSelect

# The choices of the filters (technology fields, NACE divisions, the countries of the verified
# organisations) change rarely; reading them on every page would cost more than the search.
CHOICES_CACHE_SECONDS = 300


def _cached(name: str, build):
    """The choices ``build`` makes, kept for a few minutes per language (their labels are translated)."""
    return cache.get_or_set(f"marketplace:{name}:{get_language()}", build, CHOICES_CACHE_SECONDS)


def technology_field_choices():
    return _cached(
        "fields",
        lambda: [(f.slug, f.name) for f in TechnologyField.objects.filter(is_active=True).order_by("name_de")],
    )


def sector_choices():
    """NACE sections and divisions, "C · Manufacturing", "C 26 · Manufacture of …" (the classes
    below are reached through the filter's "and below")."""
    return _cached(
        "sectors",
        lambda: [
            (s.code, f"{s.code} · {s.name}")
            for s in Sector.objects.filter(level__lte=2).select_related("parent").order_by("code")
        ],
    )


def _country_codes() -> list[str]:
    return sorted(
        set(
            Organisation.objects.filter(verification_state=VerificationState.VERIFIED)
            .order_by()
            .values_list("country", flat=True)
            .distinct()
        )
        - {""}
    )


def country_choices():
    """The countries verified organisations are in, by name in the reader's language."""
    codes = cache.get_or_set("marketplace:countries", _country_codes, CHOICES_CACHE_SECONDS)
    return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])


ALL = _("All")


class MarketplaceFilterMixin(django_filters.FilterSet):
    technology_field = django_filters.ChoiceFilter(
        field_name="technology_fields__slug",
        choices=technology_field_choices,
        label=_("Technology field"),
        empty_label=ALL,
        widget=QuickSelect,
    )
    sector = django_filters.ChoiceFilter(
        choices=sector_choices,
        method="sector_and_below",
        label=_("Sector (NACE)"),
        empty_label=ALL,
        widget=QuickSelect,
    )

    def sector_and_below(self, queryset, name, value):
        return queryset.filter(sectors__in=sector_and_below(value)).distinct()


class MarketplaceProfileFilterSet(MarketplaceFilterMixin, PartneringProfileFilterSet):
    type = django_filters.ChoiceFilter(
        choices=ProfileType.choices, label=_("Type of profile"), empty_label=ALL, widget=QuickSelect
    )
    kind = django_filters.ChoiceFilter(
        field_name="organisation__kind",
        choices=OrganisationKind.choices,
        label=_("Kind of organisation"),
        empty_label=ALL,
        widget=QuickSelect,
    )
    country = django_filters.ChoiceFilter(
        field_name="organisation__country",
        choices=country_choices,
        label=_("Country"),
        empty_label=ALL,
        widget=QuickSelect,
    )
    district = django_filters.ChoiceFilter(
        field_name="organisation__district",
        choices=District.choices,
        label=_("District"),
        empty_label=ALL,
        widget=QuickSelect,
    )

    language = LanguageFilter("title", empty_label=ALL, widget=QuickSelect)
    # What the portal's form shows (the API's filters of the parent stay usable in the address).
    shown = ("type", "technology_field", "sector", "kind", "country", "district", "language")

    class Meta:
        model = PartneringProfile
        fields = ["q", "type", "technology_field", "sector", "kind", "country", "district", "language"]


class MarketplaceOrganisationFilterSet(MarketplaceFilterMixin, OrganisationFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=OrganisationKind.choices, label=_("Kind of organisation"), empty_label=ALL, widget=QuickSelect
    )
    country = django_filters.ChoiceFilter(
        choices=country_choices, label=_("Country"), empty_label=ALL, widget=QuickSelect
    )
    district = django_filters.ChoiceFilter(
        choices=District.choices, label=_("District"), empty_label=ALL, widget=QuickSelect
    )

    language = LanguageFilter("description", empty_label=ALL, widget=QuickSelect)
    shown = ("technology_field", "sector", "kind", "country", "district", "language")

    class Meta:
        model = Organisation
        fields = ["q", "technology_field", "sector", "kind", "country", "district", "language"]
