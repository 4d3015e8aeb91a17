"""The data export's sections of the interests app: the organisation's interests sent and received
(the other side's person only once accepted) and the user's follows."""

import json

import pytest

from companies.services.privacy import account_data_export
from interests.services.expressions import interest_accept, interest_express
from interests.services.follows import follow_search

pytestmark = pytest.mark.django_db


def test_the_export_shows_the_partners_person_only_after_acceptance(
    representative_a, representative_b, organisation_a, profile_b, contact_a, contact_b
):
    interest = interest_express(
        profile=profile_b,
        organisation=organisation_a,
        user=representative_a.user,
        answers=["a", "b"],
        contact=contact_a,
    )
    follow_search(user=representative_a.user, organisation=organisation_a, query={"q": "Kühlkette"})

    export = account_data_export(user=representative_a.user)
    (organisation,) = export["organisations"]
    (sent,) = organisation["interests_sent"]
    assert sent["partner_contact"] is None
    assert contact_b.email not in json.dumps(export)
    assert [f["search"] for f in export["follows"]] == [{"q": "Kühlkette"}]

    interest_accept(interest=interest, user=representative_b.user, contact=contact_b)
    (organisation,) = account_data_export(user=representative_a.user)["organisations"]
    assert organisation["interests_sent"][0]["partner_contact"]["email"] == contact_b.email
