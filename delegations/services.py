"""Write paths for delegation participants."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from companies.models import Organisation
from delegations.choices import DelegationState, ParticipantRole
from delegations.models import Delegation, DelegationParticipant
from wfs_portal.choices import RegistrationState
from wfs_portal.services import registration_transition, validated_save

# What an applicant fills in. The role stays "participant": leads, press, interpreters and agency
# staff are put on a trip by staff, not by an application.
APPLICANT_FIELDS = frozenset({"contact"})


@transaction.atomic
def delegation_participant_apply(
    *, delegation: Delegation, organisation: Organisation, user=None, reason: str = "", **fields
) -> DelegationParticipant:
    """An organisation applies for a place on a delegation (optionally naming its person); staff
    confirm, waitlist or reject it later. Refused while the delegation is not open or its deadline
    has passed, for a person (or, without a person, an organisation) registered already, and when
    every place is confirmed. The delegation row is locked first, so that applications for the last
    place are checked one after the other."""
    unknown = set(fields) - APPLICANT_FIELDS
    if unknown:
        raise TypeError(f"Not an applicant's field: {', '.join(sorted(unknown))}")
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.state != DelegationState.OPEN:
        raise ValidationError({"delegation": _("This delegation is not open for registration.")})
    deadline = delegation.registration_deadline
    if deadline is not None and timezone.localdate() > deadline:
        message = _("The registration deadline (%(date)s) has passed.") % {"date": formats.date_format(deadline)}
        raise ValidationError({"delegation": message})
    contact = fields.get("contact")
    registered = DelegationParticipant.objects.filter(delegation=delegation)
    # A company may send several persons, so a person counts as a duplicate; an application
    # without a person is one for the organisation as such.
    if contact is not None and registered.filter(contact=contact).exists():
        raise ValidationError(_("This person is already registered for this delegation."))
    if contact is None and registered.filter(organisation=organisation).exists():
        raise ValidationError(_("This organisation is already registered for this delegation."))
    if delegation.capacity is not None:
        taken = delegation.places_taken()
        if organisation.pk not in taken and len(taken) >= delegation.capacity:
            raise ValidationError(
                _("The delegation is full: all %(capacity)d places are confirmed.") % {"capacity": delegation.capacity}
            )
    participant = DelegationParticipant(
        delegation=delegation,
        organisation=organisation,
        role=ParticipantRole.PARTICIPANT,
        state=RegistrationState.APPLIED,
        applied_at=timezone.now(),
        **fields,
    )
    validated_save(participant, user=user, reason=reason)
    return participant


@transaction.atomic
def delegation_participant_set_state(*, participant: DelegationParticipant, state: str, user) -> bool:
    """Confirm, waitlist, reject or withdraw a participant. The delegation row is locked first, so
    that two confirmations of the last place cannot both pass the capacity check
    (DelegationParticipant.clean)."""
    Delegation.objects.select_for_update().get(pk=participant.delegation_id)
    participant = DelegationParticipant.objects.select_for_update().get(pk=participant.pk)
    return registration_transition(participant, to=state, user=user)
