"""Write paths for delegation participants."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegations.models import Delegation, DelegationParticipant
from wfs_portal.choices import RegistrationState
from wfs_portal.services import registration_transition


@transaction.atomic
def delegation_participant_set_state(*, participant: DelegationParticipant, state: str, user) -> bool:
    """Confirm, waitlist, reject or withdraw a participant. Confirming locks the delegation first,
    so that the last place cannot be given twice. Capacity counts organisations, not persons: a
    company may send two people on one place."""
    delegation = Delegation.objects.select_for_update().get(pk=participant.delegation_id)
    participant = DelegationParticipant.objects.select_for_update().get(pk=participant.pk)
    if state == RegistrationState.CONFIRMED and participant.state != state and delegation.capacity is not None:
        confirmed = delegation.participants.filter(state=RegistrationState.CONFIRMED)
        already_in = confirmed.filter(organisation_id=participant.organisation_id).exists()
        if not already_in and confirmed.values("organisation").distinct().count() >= delegation.capacity:
            raise ValidationError(
                _("The delegation is full: all %(capacity)d places are confirmed.") % {"capacity": delegation.capacity}
            )
    return registration_transition(participant, to=state, user=user)
