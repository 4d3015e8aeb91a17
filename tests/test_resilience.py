"""What happens to a request when a service is away (in-process; the drills with real processes
are in tests/test_faults.py): logins and the API keep working without Redis, infrastructure errors
answer a 503 page with Retry-After, /health/ answers in time whatever hangs, the API throttle
counts exactly, repeated requests are answered once, staff logins are limited and need a second
factor."""

import threading
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from fairs.models import BoothRegistration
from tests import factories
from tests.api import key_client
from tests.totp import totp_code
from wfs_portal import views as wfs_views
from wfs_portal.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
FALLBACK_CACHE = {"default": {"BACKEND": "wfs_portal.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS}}
PASSWORD = "Sensorik-Chemnitz-2031"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Login attempts are counted in the cache; one test's failures must not throttle the next.
    caches["default"].clear()
    yield
    caches["default"].clear()


def _company_user():
    user = factories.CompanyUserFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def redis_down():
    """The production cache configuration with Redis not answering."""
    with override_settings(CACHES=FALLBACK_CACHE):
        caches["default"].clear()
        yield caches["default"]


# --- the cache away -------------------------------------------------------------------------------


def test_the_cache_answers_from_memory_while_redis_is_away_and_quickly(redis_down):
    redis_down.set("a", 1)
    started = time.monotonic()
    for n in range(200):
        redis_down.add(f"k{n}", 0)
        redis_down.incr(f"k{n}")
    took = time.monotonic() - started

    assert redis_down.get("a") == 1 and redis_down.get("k7") == 1
    assert redis_down.degraded
    assert took < 2, "after the first failure nobody waits for a connection timeout"


def test_a_company_user_logs_in_while_redis_is_away(client, redis_down):
    user = _company_user()

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_failed_logins_are_still_limited_while_redis_is_away(client, redis_down):
    user = _company_user()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "falsch-falsch"})

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_the_api_answers_while_redis_is_away(redis_down):
    response = key_client("directory:read").get(reverse("v1:technology-field-list"))
    assert response.status_code == 200


# --- the API throttle -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL, set by .ci/run): SQLite's test database locks a table that "
    "six threads write to (the key's last use) and answers some requests 503",
)
def test_concurrent_requests_get_exactly_the_keys_limit(redis_down):
    """Threads of one process here; several processes against one Redis in tests/test_faults.py."""
    client = key_client("directory:read", throttle_rate="20/min")
    url = reverse("v1:technology-field-list")
    auth = client._credentials["HTTP_AUTHORIZATION"]
    codes: list[int] = []

    def call():
        for _ in range(10):
            codes.append(APIClient().get(url, HTTP_AUTHORIZATION=auth).status_code)

    def call_and_close():
        try:
            call()
        finally:
            connection.close()

    threads = [threading.Thread(target=call_and_close) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes.count(200) == 20
    assert codes.count(429) == 40


def test_a_throttled_answer_says_when_to_come_back(redis_down):
    client = key_client("directory:read", throttle_rate="1/hour")
    url = reverse("v1:technology-field-list")
    client.get(url)

    response = client.get(url)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600


# --- errors of the infrastructure -------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch, client):
    """The organisations of the portal's start page cannot be read: the database went away."""

    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr("companies.views.organisations.represented_organisations", unreachable)
    client.raise_request_exception = False
    return client


def test_a_page_that_cannot_reach_the_database_answers_503_with_retry_after(database_down, representative_a):
    database_down.force_login(representative_a.user)

    response = database_down.get(reverse("portal:start"))

    assert response.status_code == 503
    assert response["Retry-After"] == str(wfs_views.RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert "Kurzzeitig nicht erreichbar" in page
    assert "5432" not in page and "127.0.0.1" not in page


def test_the_503_page_is_english_for_an_english_reader(database_down, representative_a):
    database_down.force_login(representative_a.user)
    database_down.cookies["django_language"] = "en"

    response = database_down.get(reverse("portal:start"))

    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()


def test_another_error_is_a_500_page_of_the_portal(monkeypatch, client, representative_a):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("companies.views.organisations.represented_organisations", broken)
    client.raise_request_exception = False
    client.force_login(representative_a.user)

    response = client.get(reverse("portal:start"))

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Ein Fehler ist aufgetreten" in response.content.decode()


def test_the_api_answers_json_503_when_the_database_is_away(monkeypatch):
    client = key_client("directory:read")
    client.raise_request_exception = False

    def unreachable(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr("companies.api.views.TechnologyFieldViewSet.list", unreachable)

    response = client.get(reverse("v1:technology-field-list"))

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "detail" in response.json()


def test_health_answers_in_time_while_a_check_hangs(client, monkeypatch):
    release = threading.Event()

    def hangs():
        release.wait(20)
        return {"status": "ok"}

    monkeypatch.setitem(wfs_views.CHECKS, "database", hangs)
    try:
        started = time.monotonic()
        response = client.get("/health/")
        took = time.monotonic() - started
    finally:
        release.set()

    assert took < 2
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"status": "error", "error": "Timeout"}
    assert response.json()["checks"]["cache"]["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_health_reports_the_outbox_without_failing_on_it(client):
    factories.OutboxMessageFactory()

    body = client.get("/health/").json()

    assert body["checks"]["outbox"]["failed"] == 1
    assert body["status"] == "ok"


# --- repeated requests ------------------------------------------------------------------------------


def _registration_client():
    client = key_client("registrations:write")
    cluster = factories.ClusterFactory(managing_organisation=client.api_key.organisation)
    member = factories.ClusterMembershipFactory(cluster=cluster).organisation
    return client, member


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_answer():
    client, member = _registration_client()
    booth = factories.JointBoothFactory()
    body = {"booth": booth.pk, "organisation": member.pk, "requested_area_m2": "12.00"}
    url = reverse("v1:booth-registration-list")

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="b1d1e7c2-retry")
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="b1d1e7c2-retry")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert BoothRegistration.objects.count() == 1


def test_the_same_idempotency_key_with_another_request_is_refused():
    client, member = _registration_client()
    url = reverse("v1:booth-registration-list")
    body = {"booth": factories.JointBoothFactory().pk, "organisation": member.pk, "requested_area_m2": "12.00"}
    client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = client.post(url, {**body, "requested_area_m2": "20.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert BoothRegistration.objects.count() == 1


def test_idempotency_keys_are_per_api_key():
    first, member = _registration_client()
    other = key_client("registrations:write")
    url = reverse("v1:booth-registration-list")
    body = {"booth": factories.JointBoothFactory().pk, "organisation": member.pk, "requested_area_m2": "12.00"}
    first.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    response = other.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 400  # processed as its own request: not a member of the other partner
    assert "Idempotent-Replayed" not in response


def test_a_refusal_is_kept_too_and_a_server_error_is_not():
    client, member = _registration_client()
    url = reverse("v1:booth-registration-list")
    body = {"booth": 999999, "organisation": member.pk, "requested_area_m2": "12.00"}

    client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-booth")

    assert IdempotencyRecord.objects.get(key="bad-booth").status_code == 400


def test_a_portal_form_sent_again_shows_the_saved_result(client_a, organisation_a):
    booth = factories.JointBoothFactory(total_area_m2=100)
    form = {
        "requested_area_m2": "12",
        "de_minimis_declared": "on",
        "no_double_funding_declared": "on",
        "submission": "c0ffee-token",
    }
    url = reverse("portal_fairs:booth-apply", args=[booth.pk])

    first = client_a.post(url, form)
    again = client_a.post(url, form, follow=True)

    assert first.status_code == 302
    assert again.redirect_chain[0][0] == first["Location"]
    assert "bereits gespeichert" in again.content.decode()
    assert BoothRegistration.objects.filter(booth=booth, organisation=organisation_a).count() == 1


def test_the_apply_form_carries_a_submission_token(client_a):
    booth = factories.JointBoothFactory()
    page = client_a.get(reverse("portal_fairs:booth-apply", args=[booth.pk])).content.decode()
    assert 'name="submission"' in page


# --- staff logins -----------------------------------------------------------------------------------


def _admin_login(client, username: str, password: str, code: str = ""):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "code": code, "next": "/admin/"}
    )


def _current_code(authenticator: Authenticator) -> str:
    from allauth.mfa.utils import decrypt

    return totp_code(decrypt(authenticator.data["secret"]))


@pytest.fixture
def staff_member(django_user_model):
    return django_user_model.objects.create_user(
        username="sachbearbeiterin", email="sb@wfs.example", password=PASSWORD, is_staff=True, is_superuser=True
    )


def test_the_admin_login_is_limited_like_the_portals(client, staff_member):
    for _ in range(6):
        _admin_login(client, "sachbearbeiterin", "falsch-falsch")

    response = _admin_login(client, "sachbearbeiterin", PASSWORD)

    assert response.status_code == 200
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_successful_admin_login_does_not_use_up_the_limit(client, staff_member):
    for _ in range(8):
        assert _admin_login(client, "sachbearbeiterin", PASSWORD).status_code == 302
        client.logout()


def test_staff_with_an_authenticator_need_its_code(client, staff_member):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    totp = TOTP.activate(staff_member, generate_totp_secret()).instance

    without = _admin_login(client, "sachbearbeiterin", PASSWORD)
    wrong = _admin_login(client, "sachbearbeiterin", PASSWORD, "000000")
    assert without.status_code == wrong.status_code == 200
    assert SESSION_KEY not in client.session

    right = _admin_login(client, "sachbearbeiterin", PASSWORD, _current_code(totp))
    assert right.status_code == 302
    assert client.session[SESSION_KEY] == str(staff_member.pk)


def test_a_recovery_code_stands_in_for_the_authenticator(client, staff_member):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    TOTP.activate(staff_member, generate_totp_secret())
    codes = RecoveryCodes.activate(staff_member).get_unused_codes()

    assert _admin_login(client, "sachbearbeiterin", PASSWORD, codes[0]).status_code == 302


def test_with_the_requirement_on_staff_without_an_authenticator_are_sent_to_set_one_up(client, staff_member, settings):
    settings.STAFF_MFA_REQUIRED = True
    client.force_login(staff_member)

    response = client.get("/admin/")
    api = client.get(reverse("v1:technology-field-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert api.status_code == 403


def test_with_an_authenticator_the_admin_opens(client, staff_member, settings):
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    settings.STAFF_MFA_REQUIRED = True
    TOTP.activate(staff_member, generate_totp_secret())
    client.force_login(staff_member)

    assert client.get("/admin/").status_code == 200


# --- behind the proxy ---------------------------------------------------------------------------------


def _guess_passwords(client, address: str, times: int) -> None:
    for n in range(times):
        client.post(
            reverse("account_login"),
            {"login": f"ratespiel{n}@firma.example.de", "password": "falsch-falsch"},
            HTTP_X_FORWARDED_FOR=address,
        )


def test_behind_the_proxy_one_clients_failed_logins_do_not_lock_out_the_others(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = _company_user()
    _guess_passwords(client, "203.0.113.5", 21)

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert response.status_code == 302


def test_without_the_proxy_setting_every_client_would_share_the_proxys_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    user = _company_user()
    _guess_passwords(client, "203.0.113.5", 21)

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
