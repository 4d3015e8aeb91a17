"""The project's own lookups (``wfs_portal.lookups``) against the database the suite runs on
(SQLite here, PostgreSQL in CI, where ``__any`` is one array parameter)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking.models.generations import TextEmbedding
from tests.factories import OrganisationFactory, PartneringProfileFactory

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds_for_numbers_foreign_keys_and_texts():
    organisations = OrganisationFactory.create_batch(4)
    for organisation in organisations[:3]:
        PartneringProfileFactory(organisation=organisation)
    TextEmbedding.objects.bulk_create([TextEmbedding(model="m", text_hash=h, vector=b"") for h in ("a1", "b2", "c3")])
    chosen = [organisations[0].pk, organisations[2].pk, organisations[3].pk, 10**9]

    assert set(Organisation.objects.filter(pk__any=chosen)) == set(Organisation.objects.filter(pk__in=chosen))
    profiles = PartneringProfile.objects.filter(organisation_id__any=chosen)
    assert {p.organisation_id for p in profiles} == {organisations[0].pk, organisations[2].pk}
    texts = TextEmbedding.objects.filter(model="m", text_hash__any=["c3", "a1", "zz"])
    assert sorted(texts.values_list("text_hash", flat=True)) == ["a1", "c3"]
    assert not Organisation.objects.filter(pk__any=[]).exists()
    assert Organisation.objects.exclude(pk__any=chosen[:2]).count() == 2


def test_any_sends_the_values_as_one_parameter_on_postgresql():
    OrganisationFactory()
    with CaptureQueriesContext(connection) as queries:
        list(Organisation.objects.filter(pk__any=list(range(1, 3000))).values_list("pk", flat=True))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql
