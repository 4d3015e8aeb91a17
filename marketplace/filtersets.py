"""The marketplace's filters: the directory's FilterSets (companies/filtersets.py, with the same
``q`` as the partner API and the admin), with single choices that a phone's select can show."""

import django_filters
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from companies.choices import OrganisationKind, ProfileType, VerificationState
from companies.filtersets import LanguageFilter, OrganisationFilterSet, PartneringProfileFilterSet, sector_and_below
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from wfs_portal.choices import District


def technology_field_choices():
    return [(f.slug, f.name) for f in TechnologyField.objects.filter(is_active=True).order_by("name_de")]


def sector_choices():
    """NACE sections and divisions, "C · Manufacturing", "C 26 · Manufacture of …" (the classes
    below are reached through the filter's "and below")."""
    rows = Sector.objects.filter(level__lte=2).select_related("parent").order_by("code")
    return [(s.code, f"{s.code} · {s.name}") for s in rows]


# The countries of the verified organisations change rarely; a DISTINCT over all of them on every
# page would cost more than the search.
COUNTRIES_CACHE_SECONDS = 300


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
    codes = cache.get_or_set("marketplace:countries", _country_codes, COUNTRIES_CACHE_SECONDS)
    return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])


ALL = _("All")


class MarketplaceFilterMixin(django_filters.FilterSet):
    technology_field = django_filters.ChoiceFilter(
        field_name="technology_fields__slug",
        choices=technology_field_choices,
        label=_("Technology field"),
        empty_label=ALL,
    )
    sector = django_filters.ChoiceFilter(
        choices=sector_choices, method="sector_and_below", label=_("Sector (NACE)"), empty_label=ALL
    )

    def sector_and_below(self, queryset, name, value):
        return queryset.filter(sectors__in=sector_and_below(value)).distinct()


class MarketplaceProfileFilterSet(MarketplaceFilterMixin, PartneringProfileFilterSet):
    type = django_filters.ChoiceFilter(choices=ProfileType.choices, label=_("Type of profile"), empty_label=ALL)
    kind = django_filters.ChoiceFilter(
        field_name="organisation__kind",
        choices=OrganisationKind.choices,
        label=_("Kind of organisation"),
        empty_label=ALL,
    )
    country = django_filters.ChoiceFilter(
        field_name="organisation__country", choices=country_choices, label=_("Country"), empty_label=ALL
    )
    district = django_filters.ChoiceFilter(
        field_name="organisation__district", choices=District.choices, label=_("District"), empty_label=ALL
    )

    language = LanguageFilter("title", empty_label=ALL)
    # What the portal's form shows (the API's filters of the parent stay usable in the address).
    shown = ("type", "technology_field", "sector", "kind", "country", "district", "language")

    class Meta:
        model = PartneringProfile
        fields = ["q", "type", "technology_field", "sector", "kind", "country", "district", "language"]


class MarketplaceOrganisationFilterSet(MarketplaceFilterMixin, OrganisationFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=OrganisationKind.choices, label=_("Kind of organisation"), empty_label=ALL
    )
    country = django_filters.ChoiceFilter(choices=country_choices, label=_("Country"), empty_label=ALL)
    district = django_filters.ChoiceFilter(choices=District.choices, label=_("District"), empty_label=ALL)

    language = LanguageFilter("description", empty_label=ALL)
    shown = ("technology_field", "sector", "kind", "country", "district", "language")

    class Meta:
        model = Organisation
        fields = ["q", "technology_field", "sector", "kind", "country", "district", "language"]
