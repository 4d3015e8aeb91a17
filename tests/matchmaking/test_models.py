"""Named database constraints of matchmaking: one violation case each (tests/constraints.py)."""

import pytest
from django.utils import timezone

from companies.models.classifications import Sector
from tests.constraints import constraint_tests
from tests.factories import OrganisationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db


def _generation(**kwargs):
    from matchmaking.models.generations import MatchGeneration

    return MatchGeneration(**kwargs)


def _second_active_generation():
    from matchmaking.models.generations import MatchGeneration

    MatchGeneration.objects.create(state="active")
    return MatchGeneration(state="active")


def _chunk(**kwargs):
    from matchmaking.models.generations import MatchChunk, MatchGeneration

    values = {"phase": "map", "index": 0, "start": 0, "stop": 10}
    values.update(kwargs)
    return MatchChunk(generation=MatchGeneration.objects.create(), **values)


def _second_chunk_with_the_same_index():
    existing = _chunk()
    existing.save()
    from matchmaking.models.generations import MatchChunk

    return MatchChunk(generation=existing.generation, phase="map", index=0, start=10, stop=20)


def _match(generation=None, **kwargs):
    from matchmaking.models.generations import MatchGeneration
    from matchmaking.models.matches import Match

    values = {"rank": 0, "score": 0.5}
    values.update(kwargs)
    values.setdefault("organisation", OrganisationFactory())
    values.setdefault("partner", OrganisationFactory())
    return Match(generation=generation or MatchGeneration.objects.create(), **values)


def _second_match_on_the_same_rank():
    first = _match()
    first.save()
    return _match(generation=first.generation, organisation=first.organisation, rank=0)


def _self_pair(model, **kwargs):
    organisation = OrganisationFactory()
    return model(organisation=organisation, partner=organisation, **kwargs)


def _second_pair(model, **kwargs):
    a, b = OrganisationFactory(), OrganisationFactory()
    model.objects.create(organisation=a, partner=b, **kwargs)
    return model(organisation=a, partner=b, **kwargs)


def _second_open_request():
    from matchmaking.models.introductions import ContactRequest

    a, b = OrganisationFactory(), OrganisationFactory()
    ContactRequest.objects.create(requester=a, target=b)
    return ContactRequest(requester=a, target=b)


def _self_request():
    from matchmaking.models.introductions import ContactRequest

    a = OrganisationFactory()
    return ContactRequest(requester=a, target=a)


def _second_embedding():
    from matchmaking.models.generations import TextEmbedding

    TextEmbedding.objects.create(model="m", text_hash="h", vector=b"x")
    return TextEmbedding(model="m", text_hash="h", vector=b"y")


def _divisions(first="52", second="86"):
    from matchmaking.models.matches import ComplementaryDivisions

    return ComplementaryDivisions(first=Sector.objects.get(code=first), second=Sector.objects.get(code=second))


def _second_divisions_pair():
    _divisions().save()
    return _divisions()


def _exclusion(**kwargs):
    from matchmaking.models.matches import MatchExclusion

    return MatchExclusion(**kwargs)


def _self_exclusion():
    organisation = OrganisationFactory()
    return _exclusion(kind="pair", organisation=organisation, other=organisation)


def _model(name):
    from django.apps import apps

    return apps.get_model("matchmaking", name)


def _generation_saved():
    from matchmaking.models.generations import MatchGeneration

    return MatchGeneration.objects.create()


def _second_portal_visit():
    from matchmaking.models.visits import PortalVisit

    first = RepresentativeFactory()
    now = timezone.now()
    PortalVisit.objects.create(user=first.user, organisation=first.organisation, started_at=now, seen_at=now)
    return PortalVisit(user=first.user, organisation=first.organisation, started_at=now, seen_at=now)


VIOLATIONS = {
    "matchmaking_portalvisit_unique_user_organisation": _second_portal_visit,
    "matchmaking_matchgeneration_one_active": _second_active_generation,
    "matchmaking_matchgeneration_chunks_done_within_total": lambda: _generation(chunks_total=2, chunks_done=3),
    "matchmaking_matchchunk_unique_index": _second_chunk_with_the_same_index,
    "matchmaking_matchchunk_not_empty": lambda: _chunk(start=5, stop=5),
    "matchmaking_match_one_per_rank": _second_match_on_the_same_rank,
    "matchmaking_match_score_in_unit_interval": lambda: _match(score=1.5),
    "matchmaking_match_not_self": lambda: _self_pair(
        _model("Match"), rank=0, score=0.5, generation=_generation_saved()
    ),
    "matchmaking_matchfeedback_one_per_pair": lambda: _second_pair(_model("MatchFeedback"), verdict="interesting"),
    "matchmaking_matchfeedback_not_self": lambda: _self_pair(_model("MatchFeedback"), verdict="interesting"),
    "matchmaking_matchoverride_one_per_pair": lambda: _second_pair(_model("MatchOverride"), action="pin"),
    "matchmaking_matchoverride_not_self": lambda: _self_pair(_model("MatchOverride"), action="pin"),
    "matchmaking_matchexclusion_fields_match_kind": lambda: _exclusion(kind="pair", organisation=OrganisationFactory()),
    "matchmaking_matchexclusion_not_self": _self_exclusion,
    "matchmaking_contactrequest_one_open_per_pair": _second_open_request,
    "matchmaking_contactrequest_not_self": _self_request,
    "matchmaking_textembedding_unique_text": _second_embedding,
    "matchmaking_complementarydivisions_unique_pair": _second_divisions_pair,
    "matchmaking_complementarydivisions_two_divisions": lambda: _divisions("52", "52"),
}


(
    test_every_named_constraint_has_a_violation_case,
    test_full_clean_rejects_violation_with_the_constraint_message,
    test_database_rejects_violation_without_full_clean,
) = constraint_tests("matchmaking", VIOLATIONS)
