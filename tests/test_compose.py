"""docker-compose.yml: the stack the README promises (it is validated, not run, here)."""

from pathlib import Path

from ruamel.yaml import YAML

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def services() -> dict:
    return YAML(typ="safe").load(COMPOSE.read_text())["services"]


def test_the_stack_has_its_six_services():
    assert set(services()) == {"db", "redis", "web", "worker", "beat", "relay"}


def test_the_relay_delivers_the_outbox():
    assert services()["relay"]["command"] == ["python", "manage.py", "outbox_relay"]


def test_redis_keeps_what_is_queued_across_a_restart():
    assert "--appendonly" in services()["redis"]["command"]


def test_every_app_service_gets_the_whole_configuration():
    for name in ("web", "worker", "beat", "relay"):
        environment = services()[name]["environment"]
        for variable in ("DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_DEBUG"):
            assert variable in environment, f"{name} lacks {variable}"


def test_gunicorn_is_reachable_only_from_the_host():
    assert services()["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_workers_and_web_share_the_media_volume():
    # Matching snapshots are written and read through the default storage (MEDIA_ROOT).
    assert "media:/app/media" in services()["worker"]["volumes"]
    assert "media:/app/media" in services()["web"]["volumes"]
