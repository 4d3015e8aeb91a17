"""The directory's search (companies/search.py) on PostgreSQL: both languages, typos, meaning
across languages, filters, and never a draft or an unverified organisation's profile."""

import datetime

import pytest

from companies.search import organisation_search, profile_search, profile_search_ids
from interests.services.follows import digest_profiles, follow_search
from marketplace.selectors import marketplace_organisations, marketplace_profiles
from tests import factories
from tests.marketplace.conftest import postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]


def found(text, queryset=None):
    return list(profile_search(queryset if queryset is not None else marketplace_profiles(), text))


def test_a_german_query_finds_the_german_profile_first(market):
    assert found("Greifer Industrieroboter")[0] == market["profiles"]["robot"]


def test_an_english_query_finds_the_english_profile_first(market):
    assert found("wearable sensors")[0] == market["profiles"]["english_sensor"]


def test_a_german_query_finds_the_english_cold_chain_profile_by_meaning(market):
    assert found("Kühlkette für Laborproben")[0] == market["profiles"]["cold_chain"]


@pytest.mark.parametrize(("typo", "meant"), [("Robtik", "robot"), ("Sensorick", "sensor")])
def test_a_misspelt_word_finds_the_profile(market, typo, meant):
    assert found(typo)[0] == market["profiles"][meant]


def test_drafts_withdrawn_and_unverified_organisations_profiles_are_never_found(market):
    results = set(found("Robotik Greifer"))
    assert market["profiles"]["robot"] in results
    for hidden in ("draft", "withdrawn", "unverified"):
        assert market["profiles"][hidden] not in results


def test_nonsense_finds_nothing(market):
    assert found("zzzzqqq") == []


def test_the_search_ranks_only_within_the_given_rows(market):
    only_clinic = marketplace_profiles().filter(organisation=market["clinic"])
    assert set(found("Sensorik Medizintechnik", only_clinic)) <= {market["profiles"]["english_sensor"]}
    assert found("Sensorik Medizintechnik")[0] == market["profiles"]["sensor"]


def test_a_reference_number_finds_exactly_its_profile(market):
    assert profile_search_ids(marketplace_profiles(), "wfs-to-2026-0001") == [market["profiles"]["robot"].pk]


def test_organisations_are_found_by_name_with_a_typo_and_by_description(market):
    assert list(organisation_search(marketplace_organisations(), "Greifwrk"))[0] == market["robots"]
    assert market["robots"] in organisation_search(marketplace_organisations(), "Industrieroboter")
    assert market["unverified"] not in organisation_search(marketplace_organisations(), "Schatten Robotik")


def test_a_followed_german_search_brings_the_english_cold_chain_profile_into_the_digest(market):
    """The weekly digest of a followed search finds what the marketplace finds: a German search, an
    English profile on the matter; nothing unrelated."""
    representative = factories.RepresentativeFactory(organisation=market["clinic"], administrator=True)
    follow = follow_search(
        user=representative.user, organisation=market["clinic"], query={"q": "Kühlkette für Laborproben"}
    )
    since = market["profiles"]["cold_chain"].published_at - datetime.timedelta(days=1)

    profiles, count = digest_profiles(follow, since)
    assert (profiles, count) == ([market["profiles"]["cold_chain"]], 1)
