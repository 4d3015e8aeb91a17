"""Generic tests of a partner API resource: a resource's test class names its URL, its scope and
how to make records the key may and may not see. ``ResourceTests`` checks authentication, scopes
and visibility; ``ReadOnlyResourceTests`` adds read-only-ness, conditional GETs, bounded pages and
a query count that does not grow with the number of rows; ``MemberRegistrationResourceTests`` is
that for the registrations a key creates for its member organisations (a create that is refused
writes nothing). Every viewset the API registers has such a class (tests/test_conventions.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    OrganisationFactory,
    PartnerApiKeyFactory,
    UserFactory,
)


def key_client(*scopes: str, **key_fields) -> APIClient:
    api_key = PartnerApiKeyFactory(scopes=list(scopes), **key_fields)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key.raw_key}")
    client.api_key = api_key
    return client


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
class ResourceTests:
    basename: str  # the router's basename, e.g. "organisation"
    scope: str
    other_scope = "events:read"  # a scope that does not open this resource
    detail_id = "id"  # the field of a detail answer that holds the record's id

    def visible(self, n: int = 1) -> list:
        """Create n records the key may see; return them."""
        raise NotImplementedError

    def hidden(self) -> list:
        """Create records that exist but must not appear; return them."""
        raise NotImplementedError

    # --- helpers ---
    def key(self, *scopes: str, **key_fields) -> APIClient:
        """A client with a key of ``scopes``; a resource whose records belong to the key's
        organisation gives the key that organisation here."""
        return key_client(*scopes, **key_fields)

    def listed(self, response) -> set:
        """The ids a list answer holds."""
        return ids(response)

    def list_url(self, **params) -> str:
        return reverse(f"v1:{self.basename}-list")

    def detail_url(self, obj) -> str:
        return reverse(f"v1:{self.basename}-detail", args=[obj.pk])

    # --- authentication and scopes ---
    def test_anonymous_gets_401_saying_how_to_authenticate(self):
        response = APIClient().get(self.list_url())
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Api-Key")

    def test_an_invalid_key_gets_401(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
        assert client.get(self.list_url()).status_code == 401

    def test_a_key_in_the_query_string_is_refused(self):
        client = self.key(self.scope)
        client.credentials()
        response = client.get(self.list_url(), {"api_key": client.api_key.raw_key})
        assert response.status_code == 401
        assert "header" in response.json()["detail"].lower()

    def test_a_key_without_the_scope_gets_403_naming_it(self):
        response = self.key(self.other_scope).get(self.list_url())
        assert response.status_code == 403
        assert self.scope in response.json()["detail"]

    def test_a_revoked_or_expired_key_gets_401(self):
        import datetime

        from django.utils import timezone

        assert self.key(self.scope, revoked=True).get(self.list_url()).status_code == 401
        expired = self.key(self.scope, expiry_date=timezone.now() - datetime.timedelta(days=1))
        assert expired.get(self.list_url()).status_code == 401

    def test_a_company_users_session_gets_403(self, client):
        client.force_login(UserFactory())
        assert client.get(self.list_url()).status_code == 403

    def test_staff_use_their_session(self, staff_client):
        shown = self.visible()
        assert self.listed(staff_client.get(self.list_url())) >= {o.pk for o in shown}

    # --- visibility ---
    def test_the_list_holds_what_the_key_may_see_and_nothing_else(self):
        shown, hidden = self.visible(2), self.hidden()
        found = self.listed(self.key(self.scope).get(self.list_url(), {"page_size": 200}))
        assert {o.pk for o in shown} <= found
        assert not found & {o.pk for o in hidden}

    def test_a_record_the_key_may_not_see_is_404(self):
        client = self.key(self.scope)
        for obj in self.hidden():
            assert client.get(self.detail_url(obj)).status_code == 404

    def test_a_visible_record_in_detail(self):
        obj = self.visible()[0]
        response = self.key(self.scope).get(self.detail_url(obj))
        assert response.status_code == 200
        assert response.json()[self.detail_id] == obj.pk


class ListResourceTests(ResourceTests):
    """A paged list."""

    # --- conditional GET and pagination ---
    def test_an_unchanged_list_answers_304_to_its_etag(self):
        self.visible()
        client = self.key(self.scope)
        first = client.get(self.list_url())
        assert first.has_header("ETag")
        again = client.get(self.list_url(), HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304

    def test_page_size_is_bounded(self):
        response = self.key(self.scope).get(self.list_url(), {"page_size": 100000})
        assert response.status_code == 200
        assert len(response.json()["results"]) <= 200

    # --- queries ---
    def test_the_query_count_does_not_grow_with_the_rows(self):
        client = self.key(self.scope)
        client.get(self.list_url())  # the key's "last used" is written once a minute, not counted
        self.visible(5)
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.list_url(), {"page_size": 100}).status_code == 200
        self.visible(45)
        with CaptureQueriesContext(connection) as many:
            assert client.get(self.list_url(), {"page_size": 100}).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


class ReadOnlyResourceTests(ListResourceTests):
    # --- read only ---
    def test_writes_are_refused_and_change_nothing(self):
        obj = self.visible()[0]
        client = self.key(self.scope, "members:write", "registrations:write")
        before = type(obj).objects.count()
        assert client.post(self.list_url(), {}, format="json").status_code in (403, 405)
        assert client.patch(self.detail_url(obj), {"name": "x"}, format="json").status_code in (403, 405)
        assert client.delete(self.detail_url(obj)).status_code in (403, 405)
        assert client.put(self.detail_url(obj), {}, format="json").status_code == 405
        assert type(obj).objects.count() == before


class PartnerKeys:
    """For resources whose records belong to the key's organisation: every key of the test class
    belongs to ``partner``; ``member()`` makes a member organisation of it."""

    @property
    def partner(self):
        if not hasattr(self, "_partner"):
            self._partner = OrganisationFactory(kind="network")
        return self._partner

    def member(self):
        cluster = ClusterFactory(managing_organisation=self.partner)
        return ClusterMembershipFactory(cluster=cluster).organisation

    def key(self, *scopes: str, **key_fields) -> APIClient:
        return key_client(*scopes, organisation=self.partner, **key_fields)


class MemberRegistrationResourceTests(PartnerKeys, ListResourceTests):
    """Registrations a key makes for its member organisations (``visible`` makes them for
    ``member()``s)."""

    def test_a_refused_create_writes_nothing(self):
        obj = self.visible()[0]
        client = self.key(self.scope)
        before = type(obj).objects.count()
        response = client.post(self.list_url(), {}, format="json")
        assert response.status_code == 400
        assert response.json()  # the messages name the missing fields
        assert type(obj).objects.count() == before

    def test_a_registration_is_not_changed_or_deleted_through_the_api(self):
        obj = self.visible()[0]
        client = self.key(self.scope)
        assert client.patch(self.detail_url(obj), {"state": "confirmed"}, format="json").status_code == 405
        assert client.put(self.detail_url(obj), {}, format="json").status_code == 405
        assert client.delete(self.detail_url(obj)).status_code == 405
        obj.refresh_from_db()
        assert obj.state != "confirmed"
