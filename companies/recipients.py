"""Who is told about an organisation: the user accounts of its approved representatives. The
notification door (notifications.door.representatives) finds this function through the setting
NOTIFICATION_REPRESENTATIVES, so the shell imports nothing of the directory."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from companies.choices import RepresentationState, RepresentativeRole


def representative_users(organisation, *, administrators_only: bool = False) -> QuerySet:
    """The users of the organisation's approved representations (only its administrators, where
    they decide), by id."""
    condition = Q(
        representations__organisation=organisation,
        representations__state=RepresentationState.APPROVED,
    )
    if administrators_only:
        condition &= Q(representations__role=RepresentativeRole.ADMINISTRATOR)
    return get_user_model().objects.filter(condition).distinct().order_by("pk")
