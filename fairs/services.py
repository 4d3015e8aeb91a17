"""Write paths for joint booths and booth registrations."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from fairs.models import BoothRegistration, JointBooth
from wfs_portal.choices import RegistrationState
from wfs_portal.services import registration_transition


@transaction.atomic
def booth_registration_confirm(*, registration: BoothRegistration, user) -> bool:
    """Confirm a place on the booth. The booth row is locked first, so that two confirmations of the
    last place cannot both pass the capacity check."""
    booth = JointBooth.objects.select_for_update().get(pk=registration.booth_id)
    registration = BoothRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.state == RegistrationState.CONFIRMED:
        return False
    confirmed = booth.registrations.filter(state=RegistrationState.CONFIRMED)
    if confirmed.count() >= booth.capacity:
        raise ValidationError(
            _("The booth is full: all %(capacity)d places are confirmed.") % {"capacity": booth.capacity}
        )
    booked = confirmed.aggregate(area=Sum("requested_area_m2"))["area"] or Decimal(0)
    if booked + registration.requested_area_m2 > booth.total_area_m2:
        raise ValidationError(
            _("Not enough area left: %(free)s m² of %(total)s m² are free, %(requested)s m² requested.")
            % {
                "free": booth.total_area_m2 - booked,
                "total": booth.total_area_m2,
                "requested": registration.requested_area_m2,
            }
        )
    return registration_transition(registration, to=RegistrationState.CONFIRMED, user=user)


@transaction.atomic
def booth_registration_set_state(*, registration: BoothRegistration, state: str, user) -> bool:
    """Waitlist, reject or withdraw a registration (confirmation has its own rules, see above)."""
    if state == RegistrationState.CONFIRMED:
        return booth_registration_confirm(registration=registration, user=user)
    registration = BoothRegistration.objects.select_for_update().get(pk=registration.pk)
    return registration_transition(registration, to=state, user=user)
