"""{Model}FilterSet of matchmaking: the matches (partner API)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from companies.choices import ProfileState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.search import organisation_search_ids, profile_search_ids
from matchmaking.models.matches import Match
from wfs_portal.filters import BaseFilterSet


class MatchFilterSet(BaseFilterSet):
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label=_("Minimum score"))
    lang = django_filters.ChoiceFilter(
        choices=[("de", "Deutsch"), ("en", "English")],
        method="keep",
        label=_("Language of the reasons"),
        help_text=_("de (default) or en."),
    )

    class Meta:
        model = Match
        fields = ["organisation", "partner"]

    def keep(self, queryset, name, value):
        return queryset

    def search(self, queryset, name, value):
        """Matches whose partner's name or description, or one of whose published profiles,
        answers the search (companies/search.py); the list keeps its order by score."""
        if not value.strip():
            return queryset
        partners = queryset.values("partner_id")
        by_organisation = organisation_search_ids(Organisation.objects.filter(pk__in=partners), value)
        profiles = PartneringProfile.objects.filter(organisation__in=partners, state=ProfileState.PUBLISHED)
        by_profile = PartneringProfile.objects.filter(pk__in=profile_search_ids(profiles, value)).values(
            "organisation_id"
        )
        return queryset.filter(Q(partner_id__in=by_organisation) | Q(partner_id__in=by_profile))
