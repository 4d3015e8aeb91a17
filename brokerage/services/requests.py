"""Meeting requests between the participants of a brokerage event.

A representative of a participant asks another validated participant for a meeting, with a
message; the other side's representatives accept or decline, the sender may withdraw. Asking a
participant who has asked you already accepts their request (a mutual one: both sides want it).
A request nobody answers expires after the event's ``request_expiry_days`` (the beat job
"Expire unanswered meeting requests"). Nobody goes beyond the event's meetings per participant:
a request cannot be sent, nor accepted, by a side that has that many accepted already."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerage import audit
from brokerage.choices import MeetingRequestState, ParticipantState
from brokerage.models.participants import MeetingRequest, Participant
from companies.access import may_act_for
from matchmaking.selectors import active_matches
from notifications import door
from wfs_portal.l10n import format_decimal
from wfs_portal.services import validated_save

MESSAGE_MAX_LENGTH = 1000
S = MeetingRequestState
OPEN_STATES = (S.REQUESTED, S.ACCEPTED)


def accepted_count(participant: Participant) -> int:
    return MeetingRequest.objects.filter(Q(requester=participant) | Q(recipient=participant), state=S.ACCEPTED).count()


def _ensure_below_limit(participant: Participant, *, own: bool) -> None:
    limit = participant.event.max_meetings
    if limit and accepted_count(participant) >= limit:
        message = (
            _("You have agreed to %(count)s meetings, the most this event allows.")
            if own
            else _("This participant has agreed to %(count)s meetings, the most this event allows.")
        )
        raise ValidationError(message % {"count": format_decimal(limit)}, code="limit")


def may_request(requester: Participant, recipient: Participant) -> bool:
    """The organiser's rule: a participation type that names whom it may ask allows only those."""
    kind = requester.participation_type
    if kind is None:
        return True
    allowed = {t.pk for t in kind.may_request.all()}
    return not allowed or recipient.participation_type_id in allowed


def _ensure_type_may_request(requester: Participant, recipient: Participant) -> None:
    if not may_request(requester, recipient):
        raise ValidationError(
            _("At this event, %(own)s do not request meetings with %(other)s.")
            % {"own": requester.participation_type, "other": recipient.participation_type or _("this participant")},
            code="type",
        )


def _pair_score(requester: Participant, recipient: Participant) -> int:
    """The engine's current score for the pair in per cent (either direction), 0 without one."""
    score = (
        active_matches()
        .filter(
            Q(organisation_id=requester.organisation_id, partner_id=recipient.organisation_id)
            | Q(organisation_id=recipient.organisation_id, partner_id=requester.organisation_id)
        )
        .order_by("-score")
        .values_list("score", flat=True)
        .first()
    )
    return round((score or 0) * 100)


def _lock_pair(first: Participant, second: Participant) -> tuple[Participant, Participant]:
    """Both participants' rows locked in one order (lowest id first), so two requests between the
    same two participants in opposite directions wait for each other instead of deadlocking."""
    locked = {p.pk: p for p in Participant.objects.select_for_update().filter(pk__in=[first.pk, second.pk])}
    return locked[first.pk], locked[second.pk]


@transaction.atomic
def meeting_request_send(*, requester: Participant, recipient: Participant, user, message: str = "") -> MeetingRequest:
    if not may_act_for(user, requester.organisation):
        raise PermissionDenied
    requester, recipient = _lock_pair(requester, recipient)
    event = requester.event
    if recipient.event_id != event.pk:
        raise ValidationError(_("Both sides must take part in the same event."), code="other_event")
    if requester.pk == recipient.pk:
        raise ValidationError(_("A participant cannot request a meeting with itself."), code="self")
    if requester.state != ParticipantState.VALIDATED:
        raise ValidationError(_("Your registration has not been validated yet."), code="not_validated")
    if recipient.state != ParticipantState.VALIDATED:
        raise ValidationError(_("This participant cannot be asked for a meeting."), code="recipient")
    message = message.strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"message": _("At most %(count)s characters, please.") % {"count": format_decimal(MESSAGE_MAX_LENGTH)}}
        )
    reverse_request = (
        MeetingRequest.objects.select_for_update()
        .filter(requester=recipient, recipient=requester, state=S.REQUESTED)
        .first()
    )
    if reverse_request is not None:
        # They asked first: this is their request accepted, wanted by both.
        reverse_request.mutual = True
        return _accept(reverse_request, user=user)
    if MeetingRequest.objects.filter(
        Q(requester=requester, recipient=recipient) | Q(requester=recipient, recipient=requester), state__in=OPEN_STATES
    ).exists():
        raise ValidationError(_("You have asked this participant for a meeting already."), code="duplicate")
    _ensure_type_may_request(requester, recipient)
    _ensure_below_limit(requester, own=True)
    request = MeetingRequest(
        event=event,
        requester=requester,
        recipient=recipient,
        message=message,
        score=_pair_score(requester, recipient),
        expires_at=timezone.now() + datetime.timedelta(days=event.request_expiry_days)
        if event.request_expiry_days
        else None,
    )
    validated_save(request, user=user, reason=audit.REQUEST_SENT)
    door.organisation_told(
        "brokerage/email/request_received",
        organisation=recipient.organisation,
        contact=recipient.contact,
        context={"request": request, "event": event},
        key=f"brokerage.request:{request.pk}:requested",
    )
    return request


def _answer(request: MeetingRequest, *, accepted: bool, user) -> MeetingRequest:
    """Record the answer and tell the requester's side."""
    request.state = S.ACCEPTED if accepted else S.DECLINED
    request.answered_at = timezone.now()
    validated_save(request, user=user, reason=audit.REQUEST_ACCEPTED if accepted else audit.REQUEST_DECLINED)
    door.organisation_told(
        "brokerage/email/request_answered",
        organisation=request.requester.organisation,
        contact=request.requester.contact,
        context={"request": request, "event": request.event, "accepted": accepted},
        key=f"brokerage.request:{request.pk}:{request.state}",
    )
    return request


def _accept(request: MeetingRequest, *, user) -> MeetingRequest:
    _ensure_below_limit(request.recipient, own=True)
    _ensure_below_limit(request.requester, own=False)
    return _answer(request, accepted=True, user=user)


@transaction.atomic
def meeting_request_answer(request: MeetingRequest, *, accept: bool, user) -> MeetingRequest:
    """The recipient's representative accepts or declines a request awaiting an answer."""
    if not may_act_for(user, request.recipient.organisation):
        raise PermissionDenied
    _lock_pair(request.requester, request.recipient)
    request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != S.REQUESTED:
        raise ValidationError(_("This request has been answered, withdrawn or has expired."), code="answered")
    if accept:
        return _accept(request, user=user)
    return _answer(request, accepted=False, user=user)


@transaction.atomic
def meeting_request_withdraw(request: MeetingRequest, *, user) -> MeetingRequest:
    """The sender takes back a request awaiting an answer."""
    if not may_act_for(user, request.requester.organisation):
        raise PermissionDenied
    request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != S.REQUESTED:
        raise ValidationError(_("Only a request awaiting an answer can be withdrawn."), code="answered")
    request.state = S.WITHDRAWN
    validated_save(request, user=user, reason=audit.REQUEST_WITHDRAWN)
    return request


def meeting_requests_expire(now: datetime.datetime | None = None) -> int:
    """Requests past their time without an answer expire; returns how many. Each is claimed with a
    conditional update, so two runs at once expire each request once."""
    now = now or timezone.now()
    expired = 0
    due = MeetingRequest.objects.filter(state=S.REQUESTED, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            request = (
                MeetingRequest.objects.select_for_update(skip_locked=True).filter(pk=pk, state=S.REQUESTED).first()
            )
            if request is None:
                continue
            request.state = S.EXPIRED
            validated_save(request, reason=audit.REQUEST_EXPIRED)
            expired += 1
    return expired
