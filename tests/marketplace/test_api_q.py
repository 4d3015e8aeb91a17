"""The partner API's ``q`` uses the directory's search: on profiles and organisations, and on
matches (which ignored it before)."""

import pytest
from django.urls import reverse

from tests.api import ids, key_client
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    MatchFactory,
    OrganisationFactory,
    PartneringProfileFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def matches():
    client = key_client("matches:read")
    member = ClusterMembershipFactory(cluster=ClusterFactory(managing_organisation=client.api_key.organisation))
    robots = OrganisationFactory(name="Greifwerk Robotik GmbH", description_de="Greifer für Industrieroboter.")
    cold = OrganisationFactory(name="Kryo Transport GmbH", description_de="Transporte bei 2 bis 8 Grad.")
    PartneringProfileFactory(
        published=True, organisation=cold, title_de="Kühlkette für Laborproben", keywords_de="Kühlkette"
    )
    by_name = MatchFactory(organisation=member.organisation, partner=robots)
    by_profile = MatchFactory(organisation=member.organisation, partner=cold)
    return client, by_name, by_profile


def test_q_on_matches_no_longer_returns_every_match(matches):
    client, by_name, by_profile = matches
    url = reverse("v1:match-list")
    assert ids(client.get(url)) == {by_name.pk, by_profile.pk}
    assert ids(client.get(url, {"q": "zzzzqqq"})) == set()
    assert ids(client.get(url, {"q": "Greifwerk"})) == {by_name.pk}
    assert ids(client.get(url, {"q": "Kühlkette"})) == {by_profile.pk}


def test_q_on_profiles_and_organisations_uses_the_directory_search():
    client = key_client("directory:read")
    robot = PartneringProfileFactory(
        published=True, title_de="Robotik-Greifer", keywords_de="Robotik", reference="WFS-TO-2026-0007"
    )
    PartneringProfileFactory(published=True, title_de="Sensorik für Pumpen", keywords_de="Sensorik")
    url = reverse("v1:partnering-profile-list")
    assert ids(client.get(url, {"q": "Robotik"})) == {robot.pk}
    assert ids(client.get(url, {"q": "WFS-TO-2026-0007"})) == {robot.pk}
    assert client.get(url, {"q": "Robotik"}).json()["results"][0]["reference"] == "WFS-TO-2026-0007"
    assert ids(client.get(reverse("v1:organisation-list"), {"q": robot.organisation.name})) >= {robot.organisation.pk}
