"""Write paths for joint booths and booth registrations."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from companies.models import Organisation
from fairs.choices import BoothState
from fairs.models import BoothRegistration, JointBooth
from wfs_portal.choices import RegistrationState
from wfs_portal.services import registration_transition, validated_save

# What an applicant fills in; the state, the decision and the internal notes are staff business.
APPLICANT_FIELDS = frozenset(
    {
        "requested_area_m2",
        "contact",
        "with_stand_construction",
        "products",
        "co_exhibitors",
        "de_minimis_declared",
        "no_double_funding_declared",
    }
)


def deadline_passed_message(deadline: datetime.date) -> str:
    return _("The registration deadline (%(date)s) has passed.") % {"date": formats.date_format(deadline)}


@transaction.atomic
def booth_registration_apply(
    *, booth: JointBooth, organisation: Organisation, user=None, reason: str = "", **fields
) -> BoothRegistration:
    """An organisation applies for a place on a joint booth; staff confirm, waitlist or reject it
    later. Refused while the booth is not open or its deadline has passed, when the organisation
    applied already, and when no place or not enough area is left. The booth row is locked first,
    so that applications for the last place are checked one after the other."""
    unknown = set(fields) - APPLICANT_FIELDS
    if unknown:
        raise TypeError(f"Not an applicant's field: {', '.join(sorted(unknown))}")
    booth = JointBooth.objects.select_for_update().get(pk=booth.pk)
    if booth.state != BoothState.OPEN:
        raise ValidationError({"booth": _("This joint booth is not open for registration.")})
    if timezone.localdate() > booth.registration_deadline:
        raise ValidationError({"booth": deadline_passed_message(booth.registration_deadline)})
    # Checked here for a clear answer; the unique constraint stays the last guard.
    if BoothRegistration.objects.filter(booth=booth, organisation=organisation).exists():
        raise ValidationError(_("This organisation has already registered for this booth."))
    places, area = booth.occupancy()
    if places >= booth.capacity:
        raise ValidationError(
            _("The booth is full: all %(capacity)d places are confirmed.") % {"capacity": booth.capacity}
        )
    requested = fields.get("requested_area_m2")
    if requested is not None and area + requested > booth.total_area_m2:
        raise ValidationError(
            {
                "requested_area_m2": _(
                    "Not enough area left: %(free)s m² of %(total)s m² are free, %(requested)s m² requested."
                )
                % {"free": booth.total_area_m2 - area, "total": booth.total_area_m2, "requested": requested}
            }
        )
    registration = BoothRegistration(
        booth=booth, organisation=organisation, state=RegistrationState.APPLIED, applied_at=timezone.now(), **fields
    )
    validated_save(registration, user=user, reason=reason)
    return registration


@transaction.atomic
def booth_registration_confirm(*, registration: BoothRegistration, user) -> bool:
    """Confirm a place on the booth. The booth row is locked first, so that two confirmations of the
    last place cannot both pass the capacity and area check (BoothRegistration.clean)."""
    JointBooth.objects.select_for_update().get(pk=registration.booth_id)
    registration = BoothRegistration.objects.select_for_update().get(pk=registration.pk)
    return registration_transition(registration, to=RegistrationState.CONFIRMED, user=user)


@transaction.atomic
def booth_registration_set_state(*, registration: BoothRegistration, state: str, user) -> bool:
    """Waitlist, reject or withdraw a registration (confirmation has its own rules, see above)."""
    if state == RegistrationState.CONFIRMED:
        return booth_registration_confirm(registration=registration, user=user)
    registration = BoothRegistration.objects.select_for_update().get(pk=registration.pk)
    return registration_transition(registration, to=state, user=user)
