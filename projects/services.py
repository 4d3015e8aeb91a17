"""Write paths for project workshops' join requests: an organisation asks in the portal, staff
accept (the organisation becomes a participant) or decline in the admin, and the organisation is
told by e-mail (its approved representatives and the contact person named; staff of a new request)
through the outbox, once committed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.access import ensure_may_take_part
from companies.choices import OrganisationKind
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from notifications.choices import StaffTopic
from projects import audit
from projects.choices import WorkshopRole
from projects.models import JoinRequestState, Workshop, WorkshopJoinRequest, WorkshopParticipant
from wfs_portal.registrations import Announcement
from wfs_portal.services import validated_save

# The role an accepted organisation gets from its kind; staff can change it on the participant.
ROLE_BY_KIND = {
    OrganisationKind.COMPANY: WorkshopRole.COMPANY,
    OrganisationKind.RESEARCH: WorkshopRole.ACADEMIC_PARTNER,
    OrganisationKind.UNIVERSITY: WorkshopRole.ACADEMIC_PARTNER,
    OrganisationKind.CLINIC: WorkshopRole.CLINIC,
    OrganisationKind.NETWORK: WorkshopRole.NETWORK,
    OrganisationKind.PUBLIC_BODY: WorkshopRole.PUBLIC_BODY,
    OrganisationKind.INVESTOR: WorkshopRole.COMPANY,
}


@transaction.atomic
def workshop_join_request_create(
    *, workshop: Workshop, organisation: Organisation, user, message: str = "", contact: Contact | None = None
) -> WorkshopJoinRequest:
    """An organisation asks to join a workshop. Refused while the workshop takes no new
    participants, for a rejected organisation, for one that takes part already and while a request
    of it is open. The workshop row is locked, so that two requests sent at once are checked one
    after the other (the conditional unique constraint stays the last guard)."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.closed_reason:
        raise ValidationError(workshop.closed_reason)
    ensure_may_take_part(organisation)
    if WorkshopParticipant.objects.filter(workshop=workshop, organisation=organisation).exists():
        raise ValidationError(_("This organisation already takes part in this workshop."))
    if WorkshopJoinRequest.objects.filter(
        workshop=workshop, organisation=organisation, state=JoinRequestState.REQUESTED
    ).exists():
        raise ValidationError(_("This organisation has already asked to join this workshop."))
    join_request = WorkshopJoinRequest(
        workshop=workshop,
        organisation=organisation,
        contact=contact,
        message=message.strip(),
        state=JoinRequestState.REQUESTED,
        requested_by=user,
    )
    validated_save(join_request, user=user, reason=audit.JOIN_REQUEST_REQUESTED_IN_PORTAL)
    ANNOUNCEMENT.send(join_request)
    return join_request


def _decide(join_request: WorkshopJoinRequest, user, target: str) -> tuple[WorkshopJoinRequest, bool]:
    join_request = (
        # Only the request's own row: PostgreSQL cannot lock the nullable side of the contact's outer join.
        WorkshopJoinRequest.objects.select_for_update(of=("self",))
        .select_related("workshop", "organisation", "contact")
        .get(pk=join_request.pk)
    )
    if join_request.state == target:
        return join_request, False
    if join_request.state != JoinRequestState.REQUESTED:
        raise ValidationError(_("This request was already decided."))
    join_request.state = target
    join_request.decided_by = user
    join_request.decided_at = timezone.now()
    return join_request, True


@transaction.atomic
def workshop_join_request_accept(*, join_request: WorkshopJoinRequest, user) -> bool:
    """Accept a join request (staff): the organisation becomes a participant from today, with the
    role its kind suggests (ROLE_BY_KIND) and the contact person it named. False when it already was."""
    join_request, changed = _decide(join_request, user, JoinRequestState.ACCEPTED)
    if not changed:
        return False
    # Locked like a request, so that acceptance and a concurrent staff entry cannot both add the organisation.
    Workshop.objects.select_for_update().filter(pk=join_request.workshop_id).exists()
    if WorkshopParticipant.objects.filter(
        workshop=join_request.workshop_id, organisation=join_request.organisation_id
    ).exists():
        raise ValidationError(_("This organisation already takes part in this workshop."))
    participant = WorkshopParticipant(
        workshop=join_request.workshop,
        organisation=join_request.organisation,
        contact=join_request.contact,
        role=ROLE_BY_KIND.get(join_request.organisation.kind, WorkshopRole.COMPANY),
        joined=timezone.localdate(),
    )
    validated_save(participant, user=user, reason=audit.PARTICIPANT_ACCEPTED)
    validated_save(join_request, user=user, reason=audit.JOIN_REQUEST_ACCEPTED)
    ANNOUNCEMENT.send(join_request)
    return True


@transaction.atomic
def workshop_join_request_decline(*, join_request: WorkshopJoinRequest, user) -> bool:
    """Decline a join request (staff). False when it already was."""
    join_request, changed = _decide(join_request, user, JoinRequestState.DECLINED)
    if not changed:
        return False
    validated_save(join_request, user=user, reason=audit.JOIN_REQUEST_DECLINED)
    ANNOUNCEMENT.send(join_request)
    return True


ANNOUNCEMENT = Announcement(
    occasion="projects.join_request",
    template="projects/email/join_request",
    staff_template="projects/email/staff_join_request",
    staff_topic=StaffTopic.WORKSHOP_JOIN_REQUEST,
    context=lambda join_request: {"join_request": join_request, "workshop": join_request.workshop},
    new_state=JoinRequestState.REQUESTED,
)
