"""Strict reading of configuration from the environment.

Every setting comes from an environment variable (or from the file named by ``<NAME>_FILE``, for
secrets mounted by an orchestrator). A value that cannot be understood stops start-up with an
``ImproperlyConfigured`` error that names the variable: a typo must never silently fall back to a
default, least of all a debug one.
"""

from __future__ import annotations

import os
import re

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.FileAwareEnv()
_TRUE = {"true", "1", "on"}
_FALSE = {"false", "0", "off"}
_UNSET = object()


def _raw(name: str, default):
    value = _env.str(name, default=None)
    if value is None or value.strip() == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Missing value: the environment variable {name} must be set.")
        return None
    return value.strip()


def env_str(name: str, default=_UNSET) -> str:
    value = _raw(name, default)
    return default if value is None else value


def env_bool(name: str, default: bool | object = _UNSET) -> bool:
    value = _raw(name, default)
    if value is None:
        return default  # type: ignore[return-value]
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use true or false.")


def env_int(name: str, default: int | object = _UNSET, *, minimum: int | None = None) -> int:
    value = _raw(name, default)
    if value is None:
        return default  # type: ignore[return-value]
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: expected a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str] | object = _UNSET) -> list[str]:
    value = _raw(name, default)
    if value is None:
        return list(default)  # type: ignore[arg-type]
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str | object = _UNSET) -> str:
    value = _raw(name, default)
    if value is None:
        return default  # type: ignore[return-value]
    if value not in choices:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: expected one of {', '.join(choices)}.")
    return value


def env_db_url(name: str, default: str) -> dict:
    value = _raw(name, default) or default
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: unknown database scheme.")
    if config["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use a postgres:// or sqlite:// URL.")
    return config


def env_email_url(name: str, default: str) -> dict:
    value = _raw(name, default) or default
    try:
        config = environ.Env.email_url_config(value)
    except Exception as exc:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: {exc}") from None
    if not config.get("EMAIL_BACKEND"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: unknown e-mail scheme.")
    return config


def env_redis_url(name: str, default: str | None = None) -> str | None:
    value = _raw(name, default)
    if value is None:
        return default
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: expected a redis:// URL.")
    return _per_test_process(value)


def _per_test_process(url: str) -> str:
    """The test suite runs in parallel processes (pytest-xdist sets PYTEST_XDIST_WORKER=gw0, gw1, …):
    each one gets Redis database numbers of its own (the configured one + 2 × its number), so that
    one process's workers do not take another's tasks and one's cache.clear() leaves the other's
    counts alone. Outside such a run the URL is used as it is."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    match = re.fullmatch(r"(redis://[^/]*/)(\d+)(.*)", url)
    if not worker.startswith("gw") or not match:
        return url
    return f"{match.group(1)}{int(match.group(2)) + 2 * int(worker[2:])}{match.group(3)}"
