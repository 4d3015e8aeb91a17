"""The models of the directory, by module; import a model from the module that defines it. These
imports register the models with Django."""

from companies.models import (  # noqa: F401
    api_keys,
    classifications,
    clusters,
    contacts,
    duplicates,
    organisations,
    profiles,
    representatives,
    reviews,
)
