"""What the marketplace shows: published, still valid profiles of verified organisations, and
verified organisations; never drafts, withdrawn or expired profiles, unverified organisations or
anybody's contact persons (contact comes through introductions)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from companies.choices import ProfileState, VerificationState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.selectors import public_organisations, public_profile_lookups, public_profiles


def marketplace_profiles() -> QuerySet[PartneringProfile]:
    return public_profiles().select_related("organisation")


def marketplace_organisations() -> QuerySet[Organisation]:
    return public_organisations()


def marketplace_organisation(pk: int) -> Organisation:
    """A verified organisation with its public profile (``published_profiles``); DoesNotExist
    for any other."""
    return (
        Organisation.objects.filter(verification_state=VerificationState.VERIFIED)
        .prefetch_related(*public_profile_lookups())
        .get(pk=pk)
    )


def published_profile_count(organisations) -> dict[int, int]:
    """How many published, valid profiles each of the organisations has."""
    counts: dict[int, int] = {}
    rows = PartneringProfile.objects.filter(
        organisation__in=organisations, state=ProfileState.PUBLISHED, valid_until__gte=timezone.localdate()
    ).values_list("organisation_id", flat=True)
    for pk in rows:
        counts[pk] = counts.get(pk, 0) + 1
    return counts
