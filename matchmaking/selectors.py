"""Reads of matchmaking that are more than a filter: the active generation's lists, what the portal
shows of them, introductions."""

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from companies.choices import ConsentPurpose, VerificationState
from companies.models.classifications import TechnologyField
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.selectors import public_profile_lookups
from matchmaking.choices import ContactRequestState, GenerationState
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import Match, MatchFeedback


def active_generation_id() -> int | None:
    return MatchGeneration.objects.filter(state=GenerationState.ACTIVE).values_list("pk", flat=True).first()


def matches_for(organisation: Organisation) -> QuerySet[Match]:
    """The organisation's current partner list (the active generation), best first; pinned
    partners lead. Readers only ever see one complete generation."""
    return (
        Match.objects.filter(generation_id=active_generation_id(), organisation=organisation)
        .select_related("organisation", "partner")
        .order_by("rank")
    )


def active_matches() -> QuerySet[Match]:
    return Match.objects.filter(generation_id=active_generation_id())


def proposable_partners() -> QuerySet[Organisation]:
    """Organisations that may be proposed to others right now: verified and not opted out. A
    generation computed before a partner opted out or lost its verification may still list it."""
    return Organisation.objects.filter(verification_state=VerificationState.VERIFIED, matchmaking_opt_out=False)


def portal_matches(organisation: Organisation) -> QuerySet[Match]:
    """The organisation's current partner list (active generation) as the portal shows it: best
    first, partners that can no longer be proposed left out, with the partners' public profiles
    prefetched (a constant number of queries for the whole list)."""
    return (
        matches_for(organisation)
        .filter(partner__in=proposable_partners())
        .prefetch_related(*public_profile_lookups("partner__"))
    )


def match_partners(organisation: Organisation) -> QuerySet[Organisation]:
    """The partners an organisation may act on in the portal (give feedback, ask for an
    introduction): those of its current list, and those it gave feedback on (so that it can change
    its mind about a partner that "not relevant" took off the list)."""
    listed = active_matches().filter(organisation=organisation).values("partner_id")
    rated = MatchFeedback.objects.filter(organisation=organisation).values("partner_id")
    return (
        proposable_partners()
        .filter(Q(pk__in=listed) | Q(pk__in=rated))
        .exclude(pk=organisation.pk)
        .prefetch_related(*public_profile_lookups())
        .order_by("name", "pk")
    )


def introduction_contacts(organisation: Organisation) -> QuerySet[Contact]:
    """The organisation's contact persons who consented to introductions to matched partners
    (consent given and not withdrawn): the only persons the other side of an accepted
    introduction sees."""
    return (
        Contact.objects.filter(
            organisation=organisation,
            consents__purpose=ConsentPurpose.MATCHMAKING,
            consents__withdrawn_at__isnull=True,
        )
        .distinct()
        .order_by("-is_primary", "last_name", "first_name", "pk")
    )


def introductions_of(organisations) -> QuerySet:
    """Introduction requests sent or received by the given organisations (a queryset or a list),
    newest first, with both sides' public profiles prefetched."""
    return (
        ContactRequest.objects.filter(Q(requester__in=organisations) | Q(target__in=organisations))
        .select_related("requester", "target")
        .prefetch_related(*public_profile_lookups("requester__"), *public_profile_lookups("target__"))
        .order_by("-created", "-pk")
    )


def introduction_contacts_by_organisation(organisation_ids) -> dict[int, list[Contact]]:
    """introduction_contacts for several organisations at once: {organisation id: persons}."""
    grouped: dict[int, list[Contact]] = {pk: [] for pk in organisation_ids}
    persons = (
        Contact.objects.filter(
            organisation_id__in=list(grouped),
            consents__purpose=ConsentPurpose.MATCHMAKING,
            consents__withdrawn_at__isnull=True,
        )
        .distinct()
        .order_by("organisation_id", "-is_primary", "last_name", "first_name", "pk")
    )
    for person in persons:
        grouped[person.organisation_id].append(person)
    return grouped


def suggested_partner_ids(organisation: Organisation) -> list[int]:
    """The partners of the organisation's list as the portal shows it (portal_matches), best first."""
    return list(
        matches_for(organisation).filter(partner__in=proposable_partners()).values_list("partner_id", flat=True)
    )


def new_partner_suggestions(organisation: Organisation, partners_before: Collection[int]) -> QuerySet[Match]:
    """The suggestions of the organisation's list (as portal_matches, without the partners' public
    profiles: their names are shown, and the partner page has the rest) whose partner was not in it
    at the previous visit."""
    return (
        matches_for(organisation)
        .filter(partner__in=proposable_partners())
        .exclude(partner_id__in=list(partners_before))
    )


# The match list's filter on feedback: no verdict yet, or one of the verdicts.
FEEDBACK_NONE = "none"


# The region filter's value for "anywhere in Saxony" (any district set).
REGION_SAXONY = "saxony"


@dataclass(frozen=True)
class MatchFilter:
    """What a company narrows its partner list to in the portal. Empty values filter nothing."""

    technology_field: TechnologyField | None = None
    kind: str = ""
    # REGION_SAXONY, a District value, or "country:" and an ISO country code.
    region: str = ""
    # FEEDBACK_NONE or a FeedbackVerdict value.
    feedback: str = ""
    # The partner list of the previous visit: only suggestions that are not in it. None: all.
    partners_before: Collection[int] | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            self.technology_field or self.kind or self.region or self.feedback or self.partners_before is not None
        )


def portal_matches_filtered(organisation: Organisation, match_filter: MatchFilter) -> QuerySet[Match]:
    """portal_matches narrowed by the portal's filter; the order stays the list's (best first)."""
    matches = portal_matches(organisation)
    if match_filter.technology_field is not None:
        matches = matches.filter(partner__technology_fields=match_filter.technology_field)
    if match_filter.kind:
        matches = matches.filter(partner__kind=match_filter.kind)
    region = match_filter.region
    if region == REGION_SAXONY:
        matches = matches.exclude(partner__district="")
    elif region.startswith("country:"):
        matches = matches.filter(partner__country=region.removeprefix("country:"))
    elif region:
        matches = matches.filter(partner__district=region)
    rated = MatchFeedback.objects.filter(organisation=organisation)
    if match_filter.feedback == FEEDBACK_NONE:
        matches = matches.exclude(partner_id__in=rated.values("partner_id"))
    elif match_filter.feedback:
        matches = matches.filter(partner_id__in=rated.filter(verdict=match_filter.feedback).values("partner_id"))
    if match_filter.partners_before is not None:
        matches = matches.exclude(partner_id__in=list(match_filter.partners_before))
    return matches


def partner_countries(partner_ids: Collection[int]) -> list[str]:
    """The countries of the given partners (ISO codes, each once), for the match list's region filter."""
    countries = (
        Organisation.objects.filter(pk__in=list(partner_ids)).order_by().values_list("country", flat=True).distinct()
    )
    return sorted(str(country) for country in countries)


def introductions_awaiting_answer(organisation: Organisation) -> QuerySet:
    """Introduction requests to the organisation that it has not answered yet, the oldest first."""
    return (
        ContactRequest.objects.filter(target=organisation, state=ContactRequestState.REQUESTED)
        .select_related("requester")
        .order_by("created", "pk")
    )


def introductions_awaiting_partner(organisation: Organisation) -> QuerySet:
    """Introduction requests the organisation sent that the other side has not answered yet."""
    return (
        ContactRequest.objects.filter(requester=organisation, state=ContactRequestState.REQUESTED)
        .select_related("target")
        .order_by("created", "pk")
    )


def active_generation() -> MatchGeneration | None:
    return MatchGeneration.objects.filter(state=GenerationState.ACTIVE).first()
