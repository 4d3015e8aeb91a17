"""The matchmaking admin, by page; these imports register the pages."""

from matchmaking.admin import generations, introductions, matches, steering  # noqa: F401
