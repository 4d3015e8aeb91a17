"""What the matchmaking admin pages share: scores as percentages, and the permission to run
computations and to pin or hide matches."""

from django.contrib import admin
from django.utils.formats import number_format

from matchmaking.models.matches import Match


def percent(value: float) -> str:
    """A score or score component in [0, 1] (feedback also below 0) as a whole percentage: "63 %"."""
    return f"{number_format(round(value * 100))} %"


def percent_display(name: str):
    """A read-only admin column of a score or score component of Match, as a whole percentage,
    titled with the field's name."""

    @admin.display(description=Match._meta.get_field(name).verbose_name, ordering=name)
    def show(self, obj):
        return percent(getattr(obj, name))

    return show


class RunMatchingPermission:
    """The permission "run_matching" (start computations, pin or hide matches) for admin actions
    declared with ``permissions=["run_matching"]``."""

    def has_run_matching_permission(self, request):
        return request.user.has_perm("matchmaking.run_matching")
