"""{Model}FilterSet of matchmaking: the matches (partner API)."""

import django_filters
from django.utils.translation import gettext_lazy as _

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
