"""Columns of the admin's change lists that more than one model admin shows."""

from collections.abc import Callable

from django.contrib import admin


def annotation_column(annotation: str, description) -> Callable:
    """A list column showing the value the admin's get_queryset annotates as ``annotation`` (a
    count, the next date), headed ``description`` and sortable by it. Assign it in the model admin
    under the name listed in ``list_display``."""

    @admin.display(description=description, ordering=annotation)
    def column(modeladmin, obj):
        return getattr(obj, annotation)

    return column
