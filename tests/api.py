"""Generic tests of a read-only partner API resource: a resource's test class names its URL, its
scope and how to make records the key may and may not see; the mixin checks authentication,
scopes, visibility, read-only-ness, conditional GETs and a query count that does not grow with the
number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PartnerApiKeyFactory, UserFactory


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
class ReadOnlyResourceTests:
    basename: str  # the router's basename, e.g. "organisation"
    scope: str
    other_scope = "events:read"  # a scope that does not open this resource

    def visible(self, n: int = 1) -> list:
        """Create n records the key may see; return them."""
        raise NotImplementedError

    def hidden(self) -> list:
        """Create records that exist but must not appear; return them."""
        raise NotImplementedError

    # --- helpers ---
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
        client = key_client(self.scope)
        client.credentials()
        response = client.get(self.list_url(), {"api_key": client.api_key.raw_key})
        assert response.status_code == 401
        assert "header" in response.json()["detail"].lower()

    def test_a_key_without_the_scope_gets_403_naming_it(self):
        response = key_client(self.other_scope).get(self.list_url())
        assert response.status_code == 403
        assert self.scope in response.json()["detail"]

    def test_a_revoked_or_expired_key_gets_401(self):
        import datetime

        from django.utils import timezone

        assert key_client(self.scope, revoked=True).get(self.list_url()).status_code == 401
        expired = key_client(self.scope, expiry_date=timezone.now() - datetime.timedelta(days=1))
        assert expired.get(self.list_url()).status_code == 401

    def test_a_company_users_session_gets_403(self, client):
        client.force_login(UserFactory())
        assert client.get(self.list_url()).status_code == 403

    def test_staff_use_their_session(self, staff_client):
        shown = self.visible()
        assert ids(staff_client.get(self.list_url())) >= {o.pk for o in shown}

    # --- visibility ---
    def test_the_list_holds_what_the_key_may_see_and_nothing_else(self):
        shown, hidden = self.visible(2), self.hidden()
        found = ids(key_client(self.scope).get(self.list_url(), {"page_size": 200}))
        assert {o.pk for o in shown} <= found
        assert not found & {o.pk for o in hidden}

    def test_a_record_the_key_may_not_see_is_404(self):
        client = key_client(self.scope)
        for obj in self.hidden():
            assert client.get(self.detail_url(obj)).status_code == 404

    def test_a_visible_record_in_detail(self):
        obj = self.visible()[0]
        response = key_client(self.scope).get(self.detail_url(obj))
        assert response.status_code == 200
        assert response.json()["id"] == obj.pk

    # --- read only ---
    def test_writes_are_refused_and_change_nothing(self):
        obj = self.visible()[0]
        client = key_client(self.scope, "members:write", "registrations:write")
        before = type(obj).objects.count()
        assert client.post(self.list_url(), {}, format="json").status_code in (403, 405)
        assert client.patch(self.detail_url(obj), {"name": "x"}, format="json").status_code in (403, 405)
        assert client.delete(self.detail_url(obj)).status_code in (403, 405)
        assert client.put(self.detail_url(obj), {}, format="json").status_code == 405
        assert type(obj).objects.count() == before

    # --- conditional GET and pagination ---
    def test_an_unchanged_list_answers_304_to_its_etag(self):
        self.visible()
        client = key_client(self.scope)
        first = client.get(self.list_url())
        assert first.has_header("ETag")
        again = client.get(self.list_url(), HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304

    def test_page_size_is_bounded(self):
        response = key_client(self.scope).get(self.list_url(), {"page_size": 100000})
        assert response.status_code == 200
        assert len(response.json()["results"]) <= 200

    # --- queries ---
    def test_the_query_count_does_not_grow_with_the_rows(self):
        client = key_client(self.scope)
        client.get(self.list_url())  # the key's "last used" is written once a minute, not counted
        self.visible(5)
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.list_url(), {"page_size": 100}).status_code == 200
        self.visible(45)
        with CaptureQueriesContext(connection) as many:
            assert client.get(self.list_url(), {"page_size": 100}).status_code == 200
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
