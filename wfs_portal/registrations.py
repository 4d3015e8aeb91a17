"""The life of a registration, shared by booth registrations (fairs) and delegation participants
(delegations): the allowed steps between the states of RegistrationState, the row locks under
which a step is taken and under which staff save a registration or its booth or trip, withdrawing
by the organisation itself, and the e-mails that announce a change (also those of workshop join
requests, projects).

The apps' services call these with what is theirs: the registration, the name of the foreign key
of the booth or trip whose places it takes (``target``), how it is announced. Nothing here knows
an app's models."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notifications import door
from notifications.choices import StaffTopic
from wfs_portal import events
from wfs_portal.audit import ADMIN_CHANGED, registration_state_reason
from wfs_portal.choices import RegistrationState as S
from wfs_portal.services import validated_save

ALLOWED_STEPS = {
    S.APPLIED: {S.CONFIRMED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN},
    S.WAITLISTED: {S.CONFIRMED, S.REJECTED, S.WITHDRAWN},
    S.CONFIRMED: {S.WITHDRAWN},
    S.REJECTED: set(),
    S.WITHDRAWN: set(),
}
# States from which an organisation may still withdraw a registration itself (before its deadline).
WITHDRAWABLE_STATES = (S.APPLIED, S.WAITLISTED, S.CONFIRMED)
# Registrations the agency has still to decide.
UNDECIDED_STATES = (S.APPLIED, S.WAITLISTED)


def registration_transition(registration: models.Model, *, to: str, user=None) -> bool:
    """Move a booth registration or delegation participation to state ``to``, checking that the
    step is allowed. Capacity is the caller's business (it has to lock the booth or trip first).
    Returns False when the registration already is in that state."""
    if registration.state == to:
        return False
    if to not in ALLOWED_STEPS[registration.state]:
        raise ValidationError(
            _("A registration cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(registration.state).label, "target": S(to).label}
        )
    previous = registration.state
    registration.state = to
    registration.decided_at = timezone.now()
    validated_save(registration, user=user, reason=registration_state_reason(registration, to))
    events.publish(events.REGISTRATION_STATE_CHANGED, registration, previous_state=previous)
    return True


@transaction.atomic
def registration_set_state(
    registration: models.Model, *, state: str, user, target: str, announce: Callable[[models.Model], None]
) -> bool:
    """Take the step to ``state`` under row locks and announce it; False when the registration is
    in that state already. A confirmation takes a place: the row of the booth or trip (the foreign
    key ``target``) is locked first, then the registration's, so that two confirmations of the last
    place are checked one after the other by the registration's clean(). The other steps free a
    place or take none and lock only the registration."""
    model = type(registration)
    if state == S.CONFIRMED:
        target_model = model._meta.get_field(target).related_model
        target_model.objects.select_for_update().get(pk=getattr(registration, f"{target}_id"))
    registration = model.objects.select_for_update().get(pk=registration.pk)
    changed = registration_transition(registration, to=state, user=user)
    if changed:
        announce(registration)
    return changed


@transaction.atomic
def registration_withdraw(
    registration: models.Model,
    *,
    user,
    target: str,
    refusal: Callable[[models.Model], str],
    announce: Callable[[models.Model], None],
) -> bool:
    """The organisation withdraws its registration (the portal). Its row is locked first, so that
    the ``refusal`` (the state, the deadline) is judged on the registration as it is, not as a
    concurrent decision of staff left it; only that row: the booth or trip is read, not locked."""
    model = type(registration)
    registration = model.objects.select_for_update(of=("self",)).select_related(target).get(pk=registration.pk)
    refused = refusal(registration)
    if refused:
        raise ValidationError(refused)
    return registration_set_state(registration, state=S.WITHDRAWN, user=user, target=target, announce=announce)


@transaction.atomic
def registration_staff_save(registration: models.Model, *, target: str, user) -> None:
    """Save a registration as staff edited it in the admin (never its state: that takes a step
    above). The rows of the booths or trips involved (``target``: its new one and, when it moves,
    its old one) are locked first, in a fixed order so that two such saves cannot deadlock; the
    registration's clean() then checks a changed or moved confirmed place against the places
    confirmed at this moment, not before a concurrent confirmation."""
    model = type(registration)
    target_ids = {getattr(registration, f"{target}_id")}
    if registration.pk:
        target_ids.add(model.objects.values_list(f"{target}_id", flat=True).get(pk=registration.pk))
    target_model = model._meta.get_field(target).related_model
    list(target_model.objects.select_for_update().filter(pk__in=target_ids).order_by("pk").values_list("pk"))
    validated_save(registration, user=user, reason=ADMIN_CHANGED)


@transaction.atomic
def target_staff_save(target: models.Model, *, user) -> None:
    """Save a booth or trip as staff edited it in the admin. An existing one's row is locked first,
    so that a reduced capacity is checked (its clean()) against the places confirmed at this
    moment; its registrations edited inline are saved afterwards in the same transaction, still
    under the lock."""
    if target.pk:
        type(target).objects.select_for_update().filter(pk=target.pk).exists()
    validated_save(target, user=user, reason=ADMIN_CHANGED)


def withdraw_refusal(
    registration: models.Model, *, deadline: datetime.date, last_day: datetime.date | None = None
) -> str:
    """Why the organisation cannot withdraw ``registration`` itself now, or "" when it can: from a
    withdrawable state, until ``last_day`` (default: the ``deadline``, which the refusal names).
    After it the agency has booked, and withdrawing is arranged with staff."""
    if registration.state not in WITHDRAWABLE_STATES:
        return _("A registration that is “%(state)s” cannot be withdrawn.") % {"state": S(registration.state).label}
    if timezone.localdate() > (last_day or deadline):
        return _("The registration deadline (%(date)s) has passed: please contact the agency to withdraw.") % {
            "date": formats.date_format(deadline)
        }
    return ""


def pending_or_recently_decided(*, today: datetime.date, recent_days: int) -> Q:
    """Registrations the portal's home lists: undecided ones, and those confirmed or rejected in the
    last ``recent_days`` days."""
    since = today - datetime.timedelta(days=recent_days)
    decided = Q(state__in=(S.CONFIRMED, S.REJECTED), decided_at__date__gte=since)
    return Q(state__in=UNDECIDED_STATES) | decided


def pending_state(registration: models.Model) -> dict:
    """What the portal's home shows of a registration it lists (the fields of
    companies.portal_home.PendingApplication): its state, whether the agency has still to decide
    it, and when it last changed."""
    return {
        "state": registration.state,
        "state_label": registration.get_state_display(),
        "is_open": registration.state in UNDECIDED_STATES,
        "changed_at": registration.decided_at or registration.applied_at,
    }


# --- e-mails --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """How one kind of registration or request is announced (notifications.door, through the
    outbox: sent once the change is committed). The organisation is told of every state, in
    ``template``; staff who follow ``staff_topic`` of a new one (state ``new_state``), in
    ``staff_template``, with a link to the record's admin page (or to that of
    ``admin_record(record)``). ``context(record)`` is what the templates name besides the
    organisation and the state. ``occasion`` keys the e-mails, so that the same state of the same
    record never mails an address twice."""

    occasion: str
    template: str
    staff_template: str
    staff_topic: StaffTopic
    context: Callable[[models.Model], dict]
    admin_record: Callable[[models.Model], models.Model] | None = None
    new_state: str = S.APPLIED

    def send(self, record: models.Model) -> None:
        """Announce ``record``'s (new) state."""
        context = {**self.context(record), "organisation": record.organisation, "state": record.state}
        door.organisation_told(
            self.template,
            organisation=record.organisation,
            contact=record.contact,
            context=context,
            key=f"{self.occasion}:{record.pk}:{record.state}",
        )
        if record.state == self.new_state:
            door.staff_told(
                self.staff_template,
                topic=self.staff_topic,
                context=context,
                record=self.admin_record(record) if self.admin_record else record,
                key=f"{self.occasion}.staff:{record.pk}",
            )
