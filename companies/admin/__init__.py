"""The companies admin, by what it administers; these imports register the pages."""

from companies.admin import api_keys, classification, clusters, contacts, organisations, profiles, representatives  # noqa: F401
