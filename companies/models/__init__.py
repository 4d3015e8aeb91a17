"""The models of the directory, by module; import a model from the module that defines it. These
imports register the models with Django."""

from companies.models import api_keys, organisations, representatives  # noqa: F401
