"""The companies admin, by what it administers; these imports register the pages."""

from companies.admin import (  # noqa: F401
    api_keys,
    classification,
    clusters,
    contacts,
    organisations,
    profiles,
    representatives,
    reviews,
)
