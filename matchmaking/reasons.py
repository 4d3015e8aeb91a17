"""The reasons behind a match in words a person reads, in German or English, e.g. "bietet „GDP-
konforme Kurierfahrten“ ↔ Sie suchen „Transport klinischer Proben“ · beide Logistik ·
unterschiedliche Branchen · beide in Leipzig"."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from companies.models.classifications import TechnologyField
from companies.models.profiles import PartneringProfile
from matchmaking.engine import reason_flags as flags
from matchmaking.engine.vocabulary import FIELDS
from matchmaking.models.matches import Match
from wfs_portal.choices import District


def _title(profile: PartneringProfile | None) -> str:
    return profile.title if profile is not None else ""


def render(match: Match, profiles: dict[int, PartneringProfile], fields: dict[str, TechnologyField]) -> str:
    bits = match.reason_flags
    offer = profiles.get(match.offer_profile_ref)
    request = profiles.get(match.request_profile_ref)
    parts = []
    if bits & flags.PINNED:
        parts.append(_("recommended by the agency"))
    # The reason names the stronger direction: who offers what the other looks for.
    partner_offers = offer is not None and offer.organisation_id == match.partner_id
    if bits & (flags.PARTNER_OFFERS | flags.PARTNER_NEEDS) and offer is not None and request is not None:
        if partner_offers:
            parts.append(
                _("offers “%(offer)s” ↔ you look for “%(request)s”")
                % {"offer": _title(offer), "request": _title(request)}
            )
        else:
            parts.append(
                _("looks for “%(request)s” ↔ you offer “%(offer)s”")
                % {"offer": _title(offer), "request": _title(request)}
            )
    elif bits & flags.PARTNER_OFFERS:
        parts.append(_("offers what you look for"))
    elif bits & flags.PARTNER_NEEDS:
        parts.append(_("looks for what you offer"))
    if bits & flags.CO_OPERATION:
        parts.append(_("also looks for a partner for a joint project on the same subject"))
    slugs = [slug for bit, slug in enumerate(FIELDS) if match.shared_fields >> bit & 1]
    shared = [fields[slug].name for slug in slugs if slug in fields]
    if shared:
        parts.append(_("both %(fields)s") % {"fields": ", ".join(shared)})
    if bits & flags.CROSS_SECTOR:
        parts.append(_("different sectors"))
    if bits & flags.COMPLEMENTARY_DIVISIONS:
        parts.append(_("complementary sectors"))
    if bits & flags.SAME_DISTRICT and match.partner.district:
        parts.append(_("both in %(district)s") % {"district": District(match.partner.district).label})
    elif bits & flags.BOTH_SAXONY:
        parts.append(_("both in Saxony"))
    if bits & flags.TARGET_COUNTRY:
        parts.append(_("based in your target country %(country)s") % {"country": match.partner.country.name})
    if bits & flags.TARGETED_BY_PARTNER:
        parts.append(_("looks for partners in %(country)s") % {"country": match.organisation.country.name})
    if bits & flags.SHARED_CLUSTER:
        parts.append(_("same cluster"))
    if bits & flags.KIND_PAIR:
        parts.append(
            _("%(kind)s ↔ %(other)s")
            % {"kind": match.organisation.get_kind_display(), "other": match.partner.get_kind_display()}
        )
    if bits & flags.FEEDBACK_SIMILAR:
        parts.append(_("like partners you rated"))
    return " · ".join(str(p) for p in parts)


def render_all(matches, language: str | None = None) -> dict[int, str]:
    """{match pk: reasons} for a list of matches, with two queries for all of them."""
    matches = list(matches)
    ids = {pk for m in matches for pk in (m.offer_profile_ref, m.request_profile_ref) if pk}
    profiles = PartneringProfile.objects.in_bulk(ids)
    fields = {f.slug: f for f in TechnologyField.objects.all()}
    with translation.override(language or translation.get_language()):
        return {m.pk: render(m, profiles, fields) for m in matches}


def render_one(match: Match, language: str | None = None) -> str:
    return render_all([match], language)[match.pk]
