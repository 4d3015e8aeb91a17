"""Write paths for delegation participants.

Capacity: a place belongs to an organisation (two persons of one company share it) and is taken
by a confirmed participant in a place-taking role (PLACE_ROLES). Every path that confirms or
changes a participant locks the delegation row first and checks the capacity under that lock
(DelegationParticipant.clean), so concurrent confirmations of the last place are decided one
after the other and only one passes. Applications take no place and are never confirmed
automatically: staff choose the delegation.

Every change of a participant's state is announced by e-mail (notifications.door, through the
outbox: sent once the transaction commits) to the organisation's approved representatives and the
person registered; a new registration also to the staff who look after delegation trips."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from companies.choices import VerificationState
from companies.models import Organisation
from delegations.choices import ParticipantRole
from delegations.models import Delegation, DelegationParticipant
from notifications import door
from notifications.choices import StaffTopic
from wfs_portal.choices import RegistrationState
from wfs_portal.services import registration_transition, validated_save

# What an applicant fills in. The role stays "participant": leads, press, interpreters and agency
# staff are put on a trip by staff, not by an application.
APPLICANT_FIELDS = frozenset({"contact"})
# States from which an organisation may still withdraw a participant itself (before the deadline).
WITHDRAWABLE_STATES = (RegistrationState.APPLIED, RegistrationState.WAITLISTED, RegistrationState.CONFIRMED)


@transaction.atomic
def delegation_participant_apply(
    *,
    delegation: Delegation,
    organisation: Organisation,
    user=None,
    reason: str = "",
    contact_required: bool = False,
    **fields,
) -> DelegationParticipant:
    """An organisation applies for a place on a delegation (optionally naming its person); staff
    confirm, waitlist or reject it later. Refused while the delegation is not open or its deadline
    has passed, for a person (or, without a person, an organisation) registered already, and when
    every place is confirmed. The delegation row is locked first, so that applications for the last
    place are checked one after the other. ``contact_required``: the person must be named (the
    portal; a partner applying through the API may name them later)."""
    unknown = set(fields) - APPLICANT_FIELDS
    if unknown:
        raise TypeError(f"Not an applicant's field: {', '.join(sorted(unknown))}")
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.closed_reason:
        raise ValidationError({"delegation": delegation.closed_reason})
    contact = fields.get("contact")
    registered = DelegationParticipant.objects.filter(delegation=delegation)
    # Self-registered organisations may apply (staff see that they await verification); rejected ones not.
    if organisation.verification_state == VerificationState.REJECTED:
        raise ValidationError(_("The registration of this organisation was rejected; it cannot apply."))
    if contact_required and contact is None:
        raise ValidationError({"contact": _("Name the person who travels.")})
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
    _announce(participant)
    return participant


@transaction.atomic
def delegation_participant_set_state(*, participant: DelegationParticipant, state: str, user) -> bool:
    """Confirm, waitlist, reject or withdraw a participant. The delegation row is locked first, so
    that two confirmations of the last place cannot both pass the capacity check
    (DelegationParticipant.clean)."""
    Delegation.objects.select_for_update().get(pk=participant.delegation_id)
    participant = DelegationParticipant.objects.select_for_update().get(pk=participant.pk)
    changed = registration_transition(participant, to=state, user=user)
    if changed:
        _announce(participant)
    return changed


def _withdraw_until(delegation: Delegation) -> datetime.date:
    return delegation.registration_deadline or delegation.start_date


def delegation_participant_withdraw_refusal(participant: DelegationParticipant) -> str:
    """Why the organisation cannot withdraw the participant itself now, or "" when it can: until the
    registration deadline (a trip without one: until the day before it starts). After it the agency
    has booked flights and appointments, and withdrawing is arranged with staff."""
    if participant.state not in WITHDRAWABLE_STATES:
        return _("A registration that is “%(state)s” cannot be withdrawn.") % {
            "state": RegistrationState(participant.state).label
        }
    until = _withdraw_until(participant.delegation)
    today = timezone.localdate()
    if today > until or (participant.delegation.registration_deadline is None and today >= until):
        return _("The registration deadline (%(date)s) has passed: please contact the agency to withdraw.") % {
            "date": formats.date_format(until)
        }
    return ""


def delegation_participant_may_withdraw(participant: DelegationParticipant) -> bool:
    return not delegation_participant_withdraw_refusal(participant)


@transaction.atomic
def delegation_participant_withdraw(*, participant: DelegationParticipant, user) -> bool:
    """The organisation withdraws a participant (the portal), see delegation_participant_withdraw_refusal."""
    participant = DelegationParticipant.objects.select_related("delegation").get(pk=participant.pk)
    refusal = delegation_participant_withdraw_refusal(participant)
    if refusal:
        raise ValidationError(refusal)
    return delegation_participant_set_state(participant=participant, state=RegistrationState.WITHDRAWN, user=user)


@transaction.atomic
def delegation_participant_staff_save(*, participant: DelegationParticipant, user) -> None:
    """Save a participant as staff edited it in the admin (person, role, organisation; never the
    state). The delegation rows involved are locked first and the place limit checked again under
    the lock: a confirmed person moved into a place-taking role must not overbook the trip."""
    delegation_ids = {participant.delegation_id}
    if participant.pk:
        delegation_ids.add(DelegationParticipant.objects.values_list("delegation_id", flat=True).get(pk=participant.pk))
    list(Delegation.objects.select_for_update().filter(pk__in=delegation_ids).order_by("pk").values_list("pk"))
    validated_save(participant, user=user, reason="changed in the admin")


@transaction.atomic
def delegation_staff_save(*, delegation: Delegation, user) -> None:
    """Save a delegation as staff edited it in the admin, its row locked first, so that a reduced
    capacity is checked (Delegation.clean) against the places confirmed at this moment."""
    if delegation.pk:
        Delegation.objects.select_for_update().filter(pk=delegation.pk).exists()
    validated_save(delegation, user=user, reason="changed in the admin")


def _announce(participant: DelegationParticipant) -> None:
    """Tell the organisation about the participant's (new) state, and staff about a new
    registration (through the outbox: sent once the change is committed)."""
    context = {
        "participant": participant,
        "delegation": participant.delegation,
        "organisation": participant.organisation,
        "state": participant.state,
    }
    door.organisation_told(
        "delegations/email/participant",
        organisation=participant.organisation,
        contact=participant.contact,
        context=context,
        key=f"delegations.participant:{participant.pk}:{participant.state}",
    )
    if participant.state == RegistrationState.APPLIED:
        door.staff_told(
            "delegations/email/staff_registration",
            topic=StaffTopic.DELEGATION_REGISTRATION,
            context=context,
            admin_url=reverse("admin:delegations_delegation_change", args=[participant.delegation_id]),
            key=f"delegations.participant.staff:{participant.pk}",
        )
