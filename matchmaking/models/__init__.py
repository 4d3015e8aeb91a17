"""The models of matchmaking, by module; import a model from the module that defines it. These
imports register the models with Django."""

from matchmaking.models import generations, introductions, matches, visits  # noqa: F401
