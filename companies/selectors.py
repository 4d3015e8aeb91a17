"""Reads of the companies app that are more than a filter."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from companies.choices import ConsentPurpose, GenerationState, ProfileState, VerificationState
from companies.models import (
    ClusterMembership,
    Contact,
    Match,
    MatchGeneration,
    Organisation,
    PartneringProfile,
    Sector,
    TechnologyField,
)


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


# --- the public directory (partner API, portal) ------------------------------------------------------


def _active_memberships(today):
    active = (
        ClusterMembership.objects.filter(ClusterMembership.current_q(on=today))
        .select_related("cluster")
        .only("id", "organisation_id", "role", "since", "cluster__id", "cluster__name")
    )
    return Prefetch("cluster_memberships", queryset=active, to_attr="active_memberships")


def public_organisations() -> QuerySet[Organisation]:
    """Organisations the public directory shows: verified ones, with their classification and
    current cluster memberships prefetched (a page costs the same few queries at any size)."""
    return (
        Organisation.objects.filter(verification_state=VerificationState.VERIFIED)
        .prefetch_related(
            # Only what the directory shows of them: a page builds fewer, lighter model instances.
            Prefetch("sectors", queryset=Sector.objects.only("id", "code", "name_de", "name_en")),
            Prefetch("technology_fields", queryset=TechnologyField.objects.only("id", "slug", "name_de", "name_en")),
            _active_memberships(timezone.localdate()),
        )
        .order_by("name", "pk")
    )


def public_profiles():
    """Published partnering profiles that are still valid, of verified organisations."""
    return (
        PartneringProfile.objects.filter(
            state=ProfileState.PUBLISHED,
            valid_until__gte=timezone.localdate(),
            organisation__verification_state=VerificationState.VERIFIED,
        )
        .prefetch_related("sectors", "technology_fields")
        .order_by("-published_at", "pk")
    )


def shareable_contacts():
    """Contact persons of verified organisations whose consent to sharing with partner
    organisations is given and not withdrawn."""
    return (
        Contact.objects.filter(
            organisation__verification_state=VerificationState.VERIFIED,
            consents__purpose=ConsentPurpose.PARTNER_SHARING,
            consents__withdrawn_at__isnull=True,
        )
        .distinct()
        .order_by("organisation_id", "last_name", "first_name", "pk")
    )


def partner_members(partner: Organisation) -> QuerySet[Organisation]:
    """The member organisations of a partner (a cluster or network): current members of the
    clusters it manages. What a partner API key may act for (matches, registrations)."""
    return Organisation.objects.filter(
        ClusterMembership.current_q("cluster_memberships__"),
        cluster_memberships__cluster__managing_organisation=partner,
    ).distinct()
