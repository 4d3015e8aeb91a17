"""Introductions to matched partners (double opt-in). An organisation asks to be introduced to a
partner; the partner's representatives see the request with the requester's public profile and
message, never its contact details, and accept or decline. Only an accepted introduction shows
each side the other's contact persons who consented to introductions (selectors.introduction_contacts).

Who may act: an approved representative of the requesting organisation (ask, withdraw) or of the
requested one (accept, decline), and staff with the change permission, who broker requests in the
admin. E-mails go to the requested organisation's representatives when a request arrives (to the
staff who broker introductions where it has none), and to the requester's when it is decided."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.access import may_act_for
from companies.choices import VerificationState
from companies.models.organisations import Organisation
from matchmaking import audit
from matchmaking.choices import ContactRequestState
from matchmaking.models.introductions import ContactRequest
from matchmaking.services.incremental import matching_update_schedule
from notifications import door
from notifications.choices import StaffTopic
from wfs_portal.l10n import format_decimal
from wfs_portal.services import validated_save

# After a partner declined, the same organisation may ask it again only after this long: a
# decline is an answer, and asking again at once would only press the partner.
DECLINED_PAUSE = datetime.timedelta(days=180)
MESSAGE_MAX_LENGTH = 1000

S = ContactRequestState


def _is_broker(user) -> bool:
    """Staff who may decide requests on an organisation's behalf."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm("matchmaking.change_contactrequest")
    )


@transaction.atomic
def contact_request_create(*, requester: Organisation, target: Organisation, user, message: str = "") -> ContactRequest:
    """Ask for an introduction of ``requester`` to ``target`` (a representative of the requester).

    Refused: an unverified requester, a partner that cannot be proposed (not verified, opted out),
    itself, a pair with an open request in either direction or an accepted introduction already,
    and a partner that declined less than DECLINED_PAUSE ago."""
    if not may_act_for(user, requester):
        raise PermissionDenied
    # The requester's row is the lock: two requests of one organisation are made one after the other,
    # so the checks below see each other's result (the database constraint is the last guard).
    requester = Organisation.objects.select_for_update().get(pk=requester.pk)
    target = Organisation.objects.get(pk=target.pk)
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write a few words about why you would like to meet.")})
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"message": _("At most %(count)s characters, please.") % {"count": format_decimal(MESSAGE_MAX_LENGTH)}}
        )
    if requester.pk == target.pk:
        raise ValidationError(_("An organisation cannot ask to be introduced to itself."), code="self")
    if requester.verification_state != VerificationState.VERIFIED:
        raise ValidationError(
            _("Introductions can be requested once the agency has verified your organisation."), code="unverified"
        )
    if target.verification_state != VerificationState.VERIFIED or target.matchmaking_opt_out:
        raise ValidationError(_("This organisation does not take part in matchmaking."), code="not_matchable")
    pair = Q(requester=requester, target=target) | Q(requester=target, target=requester)
    existing = ContactRequest.objects.filter(pair)
    if existing.filter(state=S.ACCEPTED).exists():
        raise ValidationError(_("You have already been introduced to %(name)s.") % {"name": target.name}, code="done")
    if existing.filter(state=S.REQUESTED, requester=requester).exists():
        raise ValidationError(
            _("An introduction to this partner has already been requested."), code="already_requested"
        )
    if existing.filter(state=S.REQUESTED, requester=target).exists():
        raise ValidationError(
            _("%(name)s has already asked to be introduced to you: accept their request under Introductions.")
            % {"name": target.name},
            code="asked_by_partner",
        )
    if existing.filter(state=S.DECLINED, requester=requester, decided_at__gte=timezone.now() - DECLINED_PAUSE).exists():
        raise ValidationError(
            _("%(name)s declined an introduction recently; you cannot ask again yet.") % {"name": target.name},
            code="declined_recently",
        )
    contact_request = ContactRequest(requester=requester, target=target, message=message, user=user)
    validated_save(contact_request, user=user, reason=audit.INTRODUCTION_REQUESTED)
    _announce_request(contact_request)
    return contact_request


def _lock(contact_request: ContactRequest, user, *, side: str) -> ContactRequest:
    """The request, locked, if the user may act for its ``side`` ("requester" or "target") or is
    a broker; PermissionDenied otherwise (checked before anything about the request is told)."""
    locked = ContactRequest.objects.select_for_update().select_related("requester", "target").get(pk=contact_request.pk)
    if not (may_act_for(user, getattr(locked, side)) or _is_broker(user)):
        raise PermissionDenied
    return locked


def _close(contact_request: ContactRequest, locked: ContactRequest, user, *, state: str, reason: str) -> bool:
    """Move an open request to ``state``; False when it already is there, an error when it was closed
    otherwise (a withdrawn request cannot be accepted, an accepted one not declined)."""
    if locked.state == state:
        return False
    if locked.state != S.REQUESTED:
        raise ValidationError(
            _("This request is already closed (%(state)s).") % {"state": locked.get_state_display()}, code="closed"
        )
    locked.state = state
    locked.decided_at = timezone.now()
    validated_save(locked, user=user, reason=reason)
    contact_request.state, contact_request.decided_at = locked.state, locked.decided_at
    return True


def _decide(contact_request: ContactRequest, user, *, accept: bool) -> bool:
    locked = _lock(contact_request, user, side="target")
    if may_act_for(user, locked.target):
        reason = audit.INTRODUCTION_ACCEPTED if accept else audit.INTRODUCTION_DECLINED
    else:
        reason = audit.INTRODUCTION_ACCEPTED_BY_STAFF if accept else audit.INTRODUCTION_DECLINED_BY_STAFF
    if not _close(contact_request, locked, user, state=S.ACCEPTED if accept else S.DECLINED, reason=reason):
        return False
    door.notify(
        "companies/email/introduction_decided",
        to=door.representatives(locked.requester),
        context={"request": locked},
        key=f"companies.introduction:{locked.pk}:{locked.state}",
    )
    if accept:
        # An accepted introduction counts as "interesting" for both sides' next lists.
        for pk in (locked.requester_id, locked.target_id):
            matching_update_schedule(organisation_id=pk)
    return True


@transaction.atomic
def contact_request_accept(*, contact_request: ContactRequest, user) -> bool:
    """Accept an introduction (a representative of the requested organisation, or staff on its
    behalf): from now on both sides see each other's consenting contact persons. False when it
    was accepted already."""
    return _decide(contact_request, user, accept=True)


@transaction.atomic
def contact_request_decline(*, contact_request: ContactRequest, user) -> bool:
    """Decline an introduction (a representative of the requested organisation, or staff). No
    contact details are shared. False when it was declined already."""
    return _decide(contact_request, user, accept=False)


@transaction.atomic
def contact_request_withdraw(*, contact_request: ContactRequest, user) -> bool:
    """The requester takes back an open request (a representative of the requesting organisation,
    or staff). False when it was withdrawn already."""
    locked = _lock(contact_request, user, side="requester")
    return _close(contact_request, locked, user, state=S.WITHDRAWN, reason=audit.INTRODUCTION_WITHDRAWN)


# --- e-mails --------------------------------------------------------------------------------------


def _announce_request(contact_request: ContactRequest) -> None:
    """The requested organisation's representatives are told; where it has none in the portal, the
    staff who broker introductions, so that the request does not wait unseen."""
    recipients = door.representatives(contact_request.target)
    door.notify(
        "companies/email/introduction_requested",
        to=recipients,
        context={"request": contact_request},
        key=f"companies.introduction:{contact_request.pk}:requested",
    )
    if not recipients:
        door.staff_told(
            "companies/email/staff_introduction",
            topic=StaffTopic.INTRODUCTION_WITHOUT_USERS,
            context={"request": contact_request},
            record=contact_request,
            key=f"companies.introduction.staff:{contact_request.pk}",
        )
