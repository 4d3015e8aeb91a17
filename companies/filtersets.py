"""One FilterSet per model of the companies app, used by the API (and the admin and portal)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from companies.choices import ClusterRole, EmployeeBand, OrganisationKind, ProfileType
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.search import organisation_search, profile_search
from wfs_portal.choices import District
from wfs_portal.filters import BaseFilterSet, UpdatedSinceMixin


class CountryCodeFilter(django_filters.CharFilter):
    """Comma-separated ISO country codes (any case), e.g. ``DE,PL``; an unknown code matches nothing."""

    def filter(self, qs, value):
        if not value:
            return qs
        codes = [code.strip().upper() for code in value.split(",") if code.strip()]
        return qs.filter(**{f"{self.field_name}__in": codes})


def sector_and_below(code: str):
    """The sector with this NACE code and every sector below it (a section's divisions, groups and
    classes), in one query: the tree is four levels deep."""
    code = code.strip().upper()
    return Sector.objects.filter(
        Q(code=code) | Q(parent__code=code) | Q(parent__parent__code=code) | Q(parent__parent__parent__code=code)
    )


class SectorFilter(django_filters.CharFilter):
    """``sector``: records classified in a NACE code or any code below it (C → 26.60)."""

    def __init__(self, field_name: str = "sectors", **kwargs):
        kwargs.setdefault("label", _("Sector"))
        kwargs.setdefault("help_text", _("NACE code; includes the codes below it (C → 26.60)."))
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if not value or not value.strip():
            return qs
        return qs.filter(**{f"{self.field_name}__in": sector_and_below(value)}).distinct()


class SectorFilterSet(BaseFilterSet):
    search_fields = ("code", "name_de", "name_en")
    parent = django_filters.CharFilter(field_name="parent__code", label=_("Parent code"))

    class Meta:
        model = Sector
        fields = ["level", "code"]


class TechnologyFieldFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("slug", "name_de", "name_en")

    class Meta:
        model = TechnologyField
        fields = ["slug", "is_active"]


LANGUAGES = [("de", "Deutsch"), ("en", "English")]


class LanguageFilter(django_filters.ChoiceFilter):
    """``language``: records with a text in that language (``de`` or ``en``) in the first of the
    fields named (a profile's title, an organisation's description)."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("label", _("Language"))
        super().__init__(choices=LANGUAGES, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.exclude(**{f"{self.prefix}_{value}": ""})


class OrganisationFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("name", "city", "description_de", "description_en")
    kind = django_filters.MultipleChoiceFilter(choices=OrganisationKind.choices)
    district = django_filters.MultipleChoiceFilter(choices=District.choices)
    # Country codes, not a choice list: building the form with 249 choices cost every request 2 ms.
    country = CountryCodeFilter(field_name="country", help_text=_("ISO 3166-1 alpha-2 codes, e.g. DE,PL."))
    employee_band = django_filters.MultipleChoiceFilter(choices=EmployeeBand.choices)
    sector = SectorFilter()
    technology_field = django_filters.CharFilter(field_name="technology_fields__slug", label=_("Technology field"))
    cluster = django_filters.NumberFilter(field_name="clusters__id", label=_("Cluster"))
    language = LanguageFilter("description")

    class Meta:
        model = Organisation
        fields = ["kind", "district", "country", "employee_band"]

    def search(self, queryset, name, value):
        return organisation_search(queryset, value)


class ClusterFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("name", "acronym")
    technology_field = django_filters.CharFilter(field_name="technology_fields__slug", label=_("Technology field"))

    class Meta:
        model = Cluster
        fields = []


class ClusterMembershipFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("organisation__name", "cluster__name")
    role = django_filters.MultipleChoiceFilter(choices=ClusterRole.choices)

    class Meta:
        model = ClusterMembership
        fields = ["cluster", "organisation", "role"]


class PartneringProfileFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("title_de", "title_en", "summary_de", "summary_en", "keywords_de", "keywords_en")
    type = django_filters.MultipleChoiceFilter(choices=ProfileType.choices)
    technology_field = django_filters.CharFilter(field_name="technology_fields__slug", label=_("Technology field"))
    sector = SectorFilter()
    valid_on = django_filters.DateFilter(field_name="valid_until", lookup_expr="gte", label=_("Valid on"))
    published_since = django_filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", label=_("Published since")
    )
    language = LanguageFilter("title")
    kind = django_filters.MultipleChoiceFilter(
        field_name="organisation__kind", choices=OrganisationKind.choices, label=_("Kind of organisation")
    )
    country = CountryCodeFilter(
        field_name="organisation__country",
        help_text=_("The organisation's country: ISO 3166-1 alpha-2 codes, e.g. DE,PL."),
    )
    district = django_filters.MultipleChoiceFilter(
        field_name="organisation__district", choices=District.choices, label=_("District")
    )
    reference = django_filters.CharFilter(lookup_expr="iexact", label=_("Reference number"))

    class Meta:
        model = PartneringProfile
        fields = ["type", "organisation"]

    def search(self, queryset, name, value):
        return profile_search(queryset, value)


class ContactFilterSet(BaseFilterSet, UpdatedSinceMixin):
    search_fields = ("first_name", "last_name", "position", "organisation__name")

    class Meta:
        model = Contact
        fields = ["organisation", "language"]
