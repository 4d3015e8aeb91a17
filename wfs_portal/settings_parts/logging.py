"""Logging: one plain line per record on the console, at DJANGO_LOG_LEVEL."""

from wfs_portal.env import env_choice

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("DJANGO_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO"),
    },
}
