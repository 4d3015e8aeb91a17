"""Write paths for joint booths and booth registrations."""

from django.db import transaction

from fairs.models import BoothRegistration, JointBooth
from wfs_portal.choices import RegistrationState
from wfs_portal.services import registration_transition


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
