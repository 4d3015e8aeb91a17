"""May this user act for this organisation? The one answer every write path asks for (portal
services of the directory, matchmaking, fairs, delegations, workshops; the admin's staff). And may
this organisation take part in the agency's offers at all (``ensure_may_take_part``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from companies.choices import RepresentationState, VerificationState
from companies.models.organisations import Organisation
from companies.models.representatives import Representative


def active_user(user) -> bool:
    """A logged-in, active account."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _represented(user, *, role: str | None) -> QuerySet[Organisation]:
    approved = Representative.objects.filter(user=user, state=RepresentationState.APPROVED)
    if role is not None:
        approved = approved.filter(role=role)
    return Organisation.objects.filter(pk__in=approved.values("organisation_id"))


def may_act_for(user, organisation: Organisation, *, role: str | None = None, staff_permission: str = "") -> bool:
    """An approved representative of the organisation (with ``role``, when given), or active staff
    holding ``staff_permission`` (when given: staff act only where the admin lets them)."""
    if not active_user(user):
        return False
    if staff_permission and user.is_staff and user.has_perm(staff_permission):
        return True
    return _represented(user, role=role).filter(pk=organisation.pk).exists()


def organisation_acted_for(
    user, organisation: Organisation, *, role: str | None = None, staff_permission: str = "", lock: bool = False
) -> Organisation:
    """The organisation, fresh from the database (its row locked with ``lock``, inside the caller's
    transaction: two changes of one organisation then run one after the other), if the user may
    act for it (may_act_for); PermissionDenied otherwise. One query."""
    if not active_user(user):
        raise PermissionDenied
    if staff_permission and user.is_staff and user.has_perm(staff_permission):
        rows = Organisation.objects.filter(pk=organisation.pk)
    else:
        rows = _represented(user, role=role).filter(pk=organisation.pk)
    found = (rows.select_for_update() if lock else rows).first()
    if found is None:
        raise PermissionDenied
    return found


def ensure_may_take_part(organisation: Organisation) -> None:
    """Refuse an organisation whose registration the agency rejected: it applies for no booth, trip
    or workshop. A self-registered one still awaiting verification may (staff see that in the admin,
    and a deadline should not be missed for it)."""
    if organisation.verification_state == VerificationState.REJECTED:
        raise ValidationError(
            _("The registration of this organisation was rejected; it cannot apply."), code="rejected"
        )
