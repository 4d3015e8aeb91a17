"""Registering for a brokerage event and the organiser's validation."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from brokerage import audit
from brokerage.choices import Attendance, EventFormat, ParticipantState
from brokerage.models.events import BrokerageEvent, EventSession
from brokerage.models.participants import Participant
from companies.access import ensure_may_take_part, may_act_for
from companies.choices import ProfileState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from wfs_portal.services import validated_save

# What a registering organisation fills in.
REGISTRATION_FIELDS = frozenset(
    {"participation_type", "contact", "persons", "attendance", "languages", "offer", "request", "share_meetings"}
)


@transaction.atomic
def participant_register(
    *,
    event: BrokerageEvent,
    organisation: Organisation,
    user,
    sessions: list[EventSession],
    profiles: list[PartneringProfile] = (),
    **fields,
) -> Participant:
    """An organisation registers for an event (by one of its representatives): validated at once
    unless the event has staff validate participants first. Refused while the event is not open,
    for a rejected organisation, twice for one organisation, without a session, and for an
    attendance the event's format does not offer."""
    if not may_act_for(user, organisation):
        raise PermissionDenied
    event = BrokerageEvent.objects.select_for_update().get(pk=event.pk)
    if event.closed_reason:
        raise ValidationError(event.closed_reason, code="closed")
    ensure_may_take_part(organisation)
    unknown = set(fields) - REGISTRATION_FIELDS
    if unknown:
        raise ValueError(f"Not a registration field: {', '.join(sorted(unknown))}")
    if not sessions:
        raise ValidationError({"sessions": _("Choose at least one session you can attend.")}, code="no_session")
    if any(session.event_id != event.pk for session in sessions):
        raise ValidationError({"sessions": _("Choose sessions of this event.")}, code="other_event")
    kind = fields.get("participation_type")
    if kind is not None and kind.event_id != event.pk:
        raise ValidationError({"participation_type": _("Choose a participation type of this event.")})
    if kind is None and event.participation_types.exists():
        raise ValidationError({"participation_type": _("Choose how you take part.")}, code="no_type")
    if any(p.organisation_id != organisation.pk or p.state != ProfileState.PUBLISHED for p in profiles):
        raise ValidationError({"profiles": _("Choose published profiles of your organisation.")})
    attendance = fields.get("attendance", Attendance.ON_SITE)
    offered = {EventFormat.ON_SITE: {Attendance.ON_SITE}, EventFormat.ONLINE: {Attendance.ONLINE}}.get(
        event.format, {Attendance.ON_SITE, Attendance.ONLINE}
    )
    if attendance not in offered:
        raise ValidationError({"attendance": _("This event does not offer this kind of attendance.")})
    participant = Participant(
        event=event,
        organisation=organisation,
        registered_by=user,
        state=ParticipantState.REGISTERED if event.validate_participants else ParticipantState.VALIDATED,
        **fields,
    )
    validated_save(participant, user=user, reason=audit.PARTICIPANT_REGISTERED)
    participant.sessions.set(sessions)
    participant.profiles.set(profiles)
    return participant


@transaction.atomic
def participant_decide(participant: Participant, *, validated: bool, user) -> Participant:
    """Staff validate a registered participant (others see it from then on) or reject it."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.state not in (ParticipantState.REGISTERED, ParticipantState.VALIDATED, ParticipantState.REJECTED):
        raise ValidationError(_("A withdrawn participant cannot be validated or rejected."), code="withdrawn")
    participant.state = ParticipantState.VALIDATED if validated else ParticipantState.REJECTED
    validated_save(
        participant, user=user, reason=audit.PARTICIPANT_VALIDATED if validated else audit.PARTICIPANT_REJECTED
    )
    return participant
