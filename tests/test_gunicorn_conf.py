"""gunicorn.conf.py: its defaults and the environment variables that change them; a bad value stops
the start with a line that names the variable."""

import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load(monkeypatch, **env) -> dict:
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_one_sync_worker_per_core_plus_one(monkeypatch):
    conf = load(monkeypatch)

    assert conf["workers"] == len(os.sched_getaffinity(0)) + 1
    assert (conf["threads"], conf["worker_class"]) == (1, "sync")
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["preload_app"] is True
    assert conf["accesslog"] == "-"


def test_threads_switch_to_the_gthread_worker(monkeypatch):
    conf = load(
        monkeypatch, GUNICORN_WORKERS="2", GUNICORN_THREADS="4", GUNICORN_BIND="127.0.0.1:9000, unix:/tmp/g.sock"
    )

    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (2, 4, "gthread")
    assert conf["bind"] == ["127.0.0.1:9000", "unix:/tmp/g.sock"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("GUNICORN_WORKERS", "drei"), ("GUNICORN_WORKERS", "0"), ("GUNICORN_MAX_REQUESTS", "-1")],
)
def test_a_bad_number_names_the_variable(monkeypatch, name, value):
    with pytest.raises(RuntimeError, match=f"{name}={value}: a whole number"):
        load(monkeypatch, **{name: value})


def test_a_bad_switch_names_the_variable(monkeypatch):
    with pytest.raises(RuntimeError, match="GUNICORN_ACCESS_LOG=vielleicht: use true or false"):
        load(monkeypatch, GUNICORN_ACCESS_LOG="vielleicht")
