"""/health/ reports the database, the cache and the broker."""

import pytest
from django.conf import settings
from django.test import override_settings

from wfs_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker(monkeypatch):
    """Point the Celery app at a broker for one test, as if the portal ran with a real broker."""

    def use(url: str):
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        # Celery prefers the environment variable to its configuration (CI sets it).
        monkeypatch.setenv("CELERY_BROKER_URL", url)

    return use


def test_healthy_without_a_broker_configured(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "not_configured"


def test_stopped_broker_gives_503(client, broker):
    broker(DEAD_REDIS)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    assert "6379" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


@pytest.mark.skipif(
    settings.CELERY_TASK_ALWAYS_EAGER, reason="needs CELERY_BROKER_URL (set by .ci/run to the local Redis)"
)
def test_running_broker_is_reported_ok(client, broker):
    broker(settings.CELERY_BROKER_URL)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["status"] == "ok"


def test_unreachable_cache_gives_503(client):
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    with override_settings(CACHES=cache):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "error"


def test_health_only_answers_get(client):
    assert client.post("/health/").status_code == 405
