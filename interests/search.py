"""What a saved search is and which profiles it finds. ``saved_search_profiles`` is the one place
that decides "this profile matches this saved search" (the follows' digest uses it), with the
marketplace's search for the words."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from companies.choices import ProfileType
from companies.filtersets import sector_and_below
from companies.models.classifications import Sector, TechnologyField
from companies.models.profiles import PartneringProfile
from companies.search import in_order, profile_search_ids

QUERY_KEYS = ("q", "type", "technology_field", "sector")
MAX_WORDS_LENGTH = 200


def clean_query(data: dict) -> dict:
    """A saved search from what a form or another page hands over: only the known keys, words
    trimmed, ids as numbers; empty values left out. ValidationError naming the key otherwise."""
    query = {}
    words = " ".join(str(data.get("q") or "").split())
    if len(words) > MAX_WORDS_LENGTH:
        raise ValidationError({"q": _("At most %(count)s characters, please.") % {"count": MAX_WORDS_LENGTH}})
    if words:
        query["q"] = words
    kind = data.get("type") or ""
    if kind:
        if kind not in ProfileType.values:
            raise ValidationError({"type": _("Choose a profile type from the list.")})
        query["type"] = kind
    for key, model in (("technology_field", TechnologyField), ("sector", Sector)):
        value = data.get(key)
        if value in (None, ""):
            continue
        pk = getattr(value, "pk", value)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValidationError({key: _("Choose a value from the list.")}) from None
        if not model.objects.filter(pk=pk).exists():
            raise ValidationError({key: _("Choose a value from the list.")})
        query[key] = pk
    if not query:
        raise ValidationError(_("Give at least one word or filter for the search."), code="empty")
    return query


def saved_search_profiles(profiles: QuerySet[PartneringProfile], query: dict) -> QuerySet[PartneringProfile]:
    """The profiles of ``profiles`` that match the saved search: the type, the technology field and
    the sector (the profile's own or one below it) as chosen, and the words of ``q`` as the
    marketplace's search finds them (companies.search: in either language, with typos, by meaning
    above the search's similarity threshold), best first."""
    if query.get("type"):
        profiles = profiles.filter(type=query["type"])
    if query.get("technology_field"):
        profiles = profiles.filter(technology_fields__pk=query["technology_field"])
    if query.get("sector"):
        code = Sector.objects.filter(pk=query["sector"]).values_list("code", flat=True).first() or ""
        profiles = profiles.filter(sectors__in=sector_and_below(code))
    profiles = profiles.distinct()
    words = str(query.get("q") or "").strip()
    if words:
        return in_order(profiles, profile_search_ids(profiles, words))
    return profiles


def describe(query: dict) -> str:
    """The saved search in words, in the active language ("Words: cold chain · Technology offer")."""
    parts = []
    if query.get("q"):
        parts.append(_("Words: %(words)s") % {"words": query["q"]})
    if query.get("type"):
        parts.append(str(ProfileType(query["type"]).label))
    if query.get("technology_field"):
        field = TechnologyField.objects.filter(pk=query["technology_field"]).first()
        if field is not None:
            parts.append(field.name)
    if query.get("sector"):
        sector = Sector.objects.filter(pk=query["sector"]).first()
        if sector is not None:
            parts.append(str(sector))
    return " · ".join(parts)
