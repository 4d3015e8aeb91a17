"""Write paths for delegation participants.

Capacity: a place belongs to an organisation (two persons of one company share it) and is taken
by a confirmed participant in a place-taking role (PLACE_ROLES). Every path that can make or
change a confirmed place (confirmation, staff edits of a participant or a delegation in the admin)
locks the delegation row first and checks the capacity under that lock (DelegationParticipant.clean
/ Delegation.clean), so concurrent confirmations of the last place are decided one after the other
and only one passes. Applications take no place and are never confirmed
automatically: staff choose the delegation.

Every change of a participant's state is announced by e-mail (notifications.door, through the
outbox: sent once the transaction commits) to the organisation's approved representatives and the
person registered; a new registration also to the staff who look after delegation trips."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.access import ensure_may_take_part
from companies.models.organisations import Organisation
from delegations.choices import ParticipantRole
from delegations.models import Delegation, DelegationParticipant
from notifications.choices import StaffTopic
from wfs_portal import events
from wfs_portal.choices import EventState, RegistrationState
from wfs_portal.registrations import (
    Announcement,
    registration_set_state,
    registration_staff_save,
    registration_withdraw,
    target_staff_save,
    withdraw_refusal,
)
from wfs_portal.services import validated_save

# What an applicant fills in. The role stays "participant": leads, press, interpreters and agency
# staff are put on a trip by staff, not by an application.
APPLICANT_FIELDS = frozenset({"contact"})


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
    ensure_may_take_part(organisation)
    if contact_required and contact is None:
        raise ValidationError({"contact": _("Name the person who travels.")})
    # A company may send several persons, so a person counts as a duplicate; an application
    # without a person is one for the organisation as such.
    if contact is not None and registered.filter(contact=contact).exists():
        raise ValidationError(_("This person is already registered for this delegation."))
    if contact is None and registered.filter(organisation=organisation).exists():
        raise ValidationError(_("This organisation is already registered for this delegation."))
    participant = DelegationParticipant(
        delegation=delegation,
        organisation=organisation,
        role=ParticipantRole.PARTICIPANT,
        state=RegistrationState.APPLIED,
        applied_at=timezone.now(),
        **fields,
    )
    # An application takes no place yet, but one for a full delegation is refused at once.
    full = delegation.capacity_errors(place=participant)
    if full:
        raise ValidationError(full)
    validated_save(participant, user=user, reason=reason)
    ANNOUNCEMENT.send(participant)
    return participant


def delegation_participant_confirm(*, participant: DelegationParticipant, user) -> bool:
    """Confirm a participant's place: the place limit is checked (DelegationParticipant.clean)
    under the delegation's row lock, so two confirmations of the last place cannot both pass."""
    return delegation_participant_set_state(participant=participant, state=RegistrationState.CONFIRMED, user=user)


def delegation_participant_set_state(*, participant: DelegationParticipant, state: str, user) -> bool:
    """Confirm, waitlist, reject or withdraw a participant (staff), under the row locks of
    wfs_portal.registrations.registration_set_state. False when it already is in that state."""
    return registration_set_state(participant, state=state, user=user, target="delegation", announce=ANNOUNCEMENT.send)


def delegation_participant_withdraw_refusal(participant: DelegationParticipant) -> str:
    """Why the organisation cannot withdraw the participant itself now, or "" when it can: until the
    registration deadline (a trip without one: until the day before it starts). After it the agency
    has booked flights and appointments, and withdrawing is arranged with staff."""
    delegation = participant.delegation
    if delegation.registration_deadline is not None:
        return withdraw_refusal(participant, deadline=delegation.registration_deadline)
    return withdraw_refusal(
        participant, deadline=delegation.start_date, last_day=delegation.start_date - datetime.timedelta(days=1)
    )


def delegation_participant_may_withdraw(participant: DelegationParticipant) -> bool:
    return not delegation_participant_withdraw_refusal(participant)


def delegation_participant_withdraw(*, participant: DelegationParticipant, user) -> bool:
    """The organisation withdraws a participant (the portal), see delegation_participant_withdraw_refusal."""
    return registration_withdraw(
        participant,
        user=user,
        target="delegation",
        refusal=delegation_participant_withdraw_refusal,
        announce=ANNOUNCEMENT.send,
    )


def delegation_participant_staff_save(*, participant: DelegationParticipant, user) -> None:
    """Save a participant as staff edited it in the admin (person, role, organisation; never the
    state), the trips involved locked (wfs_portal.registrations.registration_staff_save): a
    confirmed person moved into a place-taking role must not overbook the trip."""
    registration_staff_save(participant, target="delegation", user=user)


@transaction.atomic
def delegation_staff_save(*, delegation: Delegation, user) -> None:
    """Save a delegation as staff edited it in the admin, its row locked, so that a reduced
    capacity is checked (Delegation.clean) against the places confirmed at this moment. A trip that
    opens for registration is announced (wfs_portal.events)."""
    opens = delegation.state == EventState.OPEN and not (
        Delegation.objects.filter(pk=delegation.pk, state=delegation.state).exists()
    )
    target_staff_save(delegation, user=user)
    if opens:
        events.publish(events.EVENT_PUBLISHED, delegation)


# --- e-mails ----------------------------------------------------------------------------------------


ANNOUNCEMENT = Announcement(
    occasion="delegations.participant",
    template="delegations/email/participant",
    staff_template="delegations/email/staff_registration",
    staff_topic=StaffTopic.DELEGATION_REGISTRATION,
    context=lambda participant: {"participant": participant, "delegation": participant.delegation},
    # Staff's link goes to the trip, whose page lists its participants.
    admin_record=lambda participant: participant.delegation,
)
