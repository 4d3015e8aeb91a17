"""Write paths for delegation participants."""

from django.db import transaction

from delegations.models import Delegation, DelegationParticipant
from wfs_portal.services import registration_transition


@transaction.atomic
def delegation_participant_set_state(*, participant: DelegationParticipant, state: str, user) -> bool:
    """Confirm, waitlist, reject or withdraw a participant. The delegation row is locked first, so
    that two confirmations of the last place cannot both pass the capacity check
    (DelegationParticipant.clean)."""
    Delegation.objects.select_for_update().get(pk=participant.delegation_id)
    participant = DelegationParticipant.objects.select_for_update().get(pk=participant.pk)
    return registration_transition(participant, to=state, user=user)
