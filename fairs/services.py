"""Write paths for joint booths and booth registrations.

Capacity: applications take no place; a place is taken by a confirmed registration. Every path
that can make or change a confirmed registration (confirmation, staff edits of a registration or a
booth in the admin) locks the booth row first and checks the capacity and area under that lock
(BoothRegistration.clean / JointBooth.clean), so concurrent confirmations of the last place are
decided one after the other on PostgreSQL and only one of them passes.

Applications are never confirmed automatically: the agency chooses its exhibitors (a booth mixes
sectors, first-time exhibitors get a chance), so a free place is not a promise.

Every change of a registration's state is announced by e-mail (notifications.door, through the
outbox: sent once the transaction commits) to the organisation's approved representatives and the
registration's contact person; a new application also to the staff who look after applications."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.access import ensure_may_take_part
from companies.models.organisations import Organisation
from fairs.models import BoothRegistration, JointBooth
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

# What an applicant fills in; the state, the decision and the internal notes are staff business.
APPLICANT_FIELDS = frozenset(
    {
        "requested_area_m2",
        "contact",
        "with_stand_construction",
        "products",
        "co_exhibitors",
        "de_minimis_declared",
        "no_double_funding_declared",
    }
)


@transaction.atomic
def booth_registration_apply(
    *,
    booth: JointBooth,
    organisation: Organisation,
    user=None,
    reason: str = "",
    declarations_required: bool = False,
    **fields,
) -> BoothRegistration:
    """An organisation applies for a place on a joint booth; staff confirm, waitlist or reject it
    later. Refused while the booth is not open or its deadline has passed, for a rejected
    organisation, when the organisation applied already, and when no place or not enough area is
    left. The booth row is locked first, so that applications for the last place are checked one
    after the other. ``declarations_required``: the de-minimis and no-double-funding declarations
    must be given (the portal, where the applicant declares them; a partner applying through the
    API hands them in later)."""
    unknown = set(fields) - APPLICANT_FIELDS
    if unknown:
        raise TypeError(f"Not an applicant's field: {', '.join(sorted(unknown))}")
    booth = JointBooth.objects.select_for_update().get(pk=booth.pk)
    if booth.closed_reason:
        raise ValidationError({"booth": booth.closed_reason})
    ensure_may_take_part(organisation)
    if declarations_required:
        missing = {
            name: _("This declaration is required to apply.")
            for name in ("de_minimis_declared", "no_double_funding_declared")
            if not fields.get(name)
        }
        if missing:
            raise ValidationError(missing)
    # Checked here for a clear answer; the unique constraint stays the last guard.
    if BoothRegistration.objects.filter(booth=booth, organisation=organisation).exists():
        raise ValidationError(_("This organisation has already registered for this booth."))
    registration = BoothRegistration(
        booth=booth, organisation=organisation, state=RegistrationState.APPLIED, applied_at=timezone.now(), **fields
    )
    # An application takes no place yet, but one for a booth that is full already is refused.
    full = booth.capacity_errors(place=registration)
    if full:
        raise ValidationError(full)
    validated_save(registration, user=user, reason=reason)
    ANNOUNCEMENT.send(registration)
    return registration


def booth_registration_confirm(*, registration: BoothRegistration, user) -> bool:
    """Confirm a place on the booth: capacity and area are checked (BoothRegistration.clean) under
    the booth's row lock, so two confirmations of the last place cannot both pass."""
    return booth_registration_set_state(registration=registration, state=RegistrationState.CONFIRMED, user=user)


def booth_registration_set_state(*, registration: BoothRegistration, state: str, user) -> bool:
    """Confirm, waitlist, reject or withdraw a registration (staff), under the row locks of
    wfs_portal.registrations.registration_set_state. False when it already is in that state."""
    return registration_set_state(registration, state=state, user=user, target="booth", announce=ANNOUNCEMENT.send)


def booth_registration_withdraw_refusal(registration: BoothRegistration) -> str:
    """Why the organisation cannot withdraw the registration itself now, or "" when it can: only
    until the registration deadline. After it the agency has booked the space, and withdrawing is
    arranged with staff (who can still withdraw it in the admin)."""
    return withdraw_refusal(registration, deadline=registration.booth.registration_deadline)


def booth_registration_may_withdraw(registration: BoothRegistration) -> bool:
    return not booth_registration_withdraw_refusal(registration)


def booth_registration_withdraw(*, registration: BoothRegistration, user) -> bool:
    """The organisation withdraws its registration (the portal), see booth_registration_withdraw_refusal."""
    return registration_withdraw(
        registration, user=user, target="booth", refusal=booth_registration_withdraw_refusal, announce=ANNOUNCEMENT.send
    )


def booth_registration_staff_save(*, registration: BoothRegistration, user) -> None:
    """Save a registration as staff edited it in the admin (area, booth, declarations, notes; never
    the state), the booths involved locked (wfs_portal.registrations.registration_staff_save), so a
    changed area or booth of a confirmed place cannot overbook a booth that is being confirmed on
    at the same moment."""
    registration_staff_save(registration, target="booth", user=user)


@transaction.atomic
def joint_booth_staff_save(*, booth: JointBooth, user) -> None:
    """Save a booth as staff edited it in the admin, its row locked, so that a reduced capacity or
    area is checked (JointBooth.clean) against the confirmed places as they are. A booth that opens
    for registration announces its fair (wfs_portal.events)."""
    opens = booth.state == EventState.OPEN and not JointBooth.objects.filter(pk=booth.pk, state=booth.state).exists()
    target_staff_save(booth, user=user)
    if opens:
        events.publish(events.EVENT_PUBLISHED, booth.fair)


# --- e-mails ----------------------------------------------------------------------------------------


ANNOUNCEMENT = Announcement(
    occasion="fairs.registration",
    template="fairs/email/registration",
    staff_template="fairs/email/staff_application",
    staff_topic=StaffTopic.BOOTH_APPLICATION,
    context=lambda registration: {
        "registration": registration,
        "booth": registration.booth,
        "fair": registration.booth.fair,
    },
)
