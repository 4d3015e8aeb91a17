"""What an endpoint receives for an event: the ``data`` of a message, built from what the partner
API shows the endpoint's key (the same serializers and selectors), or nothing when the key may not
see it. A builder answers ``[]`` for "nothing for this key" and may answer several messages (one
per new match).

- organisation.updated: the directory's organisation (verified organisations only); scope
  ``directory:read``.
- profile.published: the public partnering profile; profile.withdrawn: its id and organisation;
  both ``directory:read``, of verified organisations only.
- event.published: a trade fair with its public booths, or a delegation (``kind`` says which);
  ``events:read``.
- registration.state_changed: the booth registration or delegation participant as the key's
  registration list shows it (the contact person by id, as there), of the key's member
  organisations only; ``registrations:write``.
- match.created: each match of a member organisation that its previous list did not hold (after a
  full run or an organisation's update), with the reasons in German; ``matches:read``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef

from companies.api.serializers import OrganisationSerializer, PartneringProfileSerializer
from companies.choices import VerificationState
from companies.models.api_keys import PartnerApiKey
from companies.selectors import partner_members, public_organisations, public_profiles
from delegations.api.serializers import DelegationParticipantSerializer, DelegationSerializer
from delegations.models import Delegation, DelegationParticipant
from delegations.selectors import public_delegations_with_free_places
from fairs.api.serializers import BoothRegistrationSerializer, TradeFairSerializer
from fairs.models import BoothRegistration, TradeFair
from fairs.selectors import public_trade_fairs
from matchmaking.api.serializers import MatchSerializer
from matchmaking.models.matches import Match
from matchmaking.reasons import render_all
from webhooks.choices import WebhookEvent


def _is_member(key: PartnerApiKey, organisation_id: int) -> bool:
    return partner_members(key.organisation).filter(pk=organisation_id).exists()


def organisation_updated(organisation, key, **details) -> list[dict]:
    row = public_organisations().filter(pk=organisation.pk).first()
    return [] if row is None else [OrganisationSerializer(row).data]


def profile_published(profile, key, **details) -> list[dict]:
    row = public_profiles().filter(pk=profile.pk).first()
    return [] if row is None else [PartneringProfileSerializer(row).data]


def profile_withdrawn(profile, key, **details) -> list[dict]:
    if profile.organisation.verification_state != VerificationState.VERIFIED:
        return []
    return [{"id": profile.pk, "organisation": profile.organisation_id, "state": profile.state}]


def event_published(subject, key, **details) -> list[dict]:
    if isinstance(subject, TradeFair):
        row = public_trade_fairs().filter(pk=subject.pk).first()
        return [] if row is None else [{"kind": "trade_fair", "trade_fair": TradeFairSerializer(row).data}]
    if isinstance(subject, Delegation):
        row = public_delegations_with_free_places().filter(pk=subject.pk).first()
        return [] if row is None else [{"kind": "delegation", "delegation": DelegationSerializer(row).data}]
    raise TypeError(f"event.published about a {type(subject).__name__}")


REGISTRATIONS = {
    BoothRegistration: ("booth_registration", BoothRegistrationSerializer),
    DelegationParticipant: ("delegation_participant", DelegationParticipantSerializer),
}


def registration_state_changed(registration, key, **details) -> list[dict]:
    kind, serializer = REGISTRATIONS[type(registration)]
    if not _is_member(key, registration.organisation_id):
        return []
    data = serializer(registration, context={"member_organisations": None}).data
    return [{"kind": kind, "previous_state": details.get("previous_state"), kind: data}]


def match_created(
    generation, key, *, previous_generation_id: int | None = None, pairs: list | None = None, **details
) -> list[dict]:
    """The matches of the key's members in ``generation`` whose pair the previous generation did
    not hold (a full run), or the new ``pairs`` (organisation, partner) an update of the active
    generation wrote."""
    matches = (
        Match.objects.filter(generation=generation, organisation__in=partner_members(key.organisation))
        .select_related("organisation", "partner")
        .order_by("organisation_id", "rank")
    )
    if previous_generation_id is not None:
        earlier = Match.objects.filter(
            generation_id=previous_generation_id,
            organisation_id=OuterRef("organisation_id"),
            partner_id=OuterRef("partner_id"),
        )
        matches = matches.exclude(Exists(earlier))
    if pairs is not None:
        wanted = {tuple(pair) for pair in pairs}
        matches = matches.filter(organisation_id__in={organisation for organisation, _ in wanted})
        matches = [m for m in matches if (m.organisation_id, m.partner_id) in wanted]
    matches = list(matches)
    context = {"reasons": render_all(matches, "de"), "language": "de"}
    return [MatchSerializer(match, context=context).data for match in matches]


BUILDERS: dict[str, Callable[..., list[dict]]] = {
    WebhookEvent.ORGANISATION_UPDATED: organisation_updated,
    WebhookEvent.PROFILE_PUBLISHED: profile_published,
    WebhookEvent.PROFILE_WITHDRAWN: profile_withdrawn,
    WebhookEvent.EVENT_PUBLISHED: event_published,
    WebhookEvent.REGISTRATION_STATE_CHANGED: registration_state_changed,
    WebhookEvent.MATCH_CREATED: match_created,
}
