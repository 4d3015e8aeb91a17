"""Write paths of the self-service portal: registering an organisation, asking to join one, deciding
join requests, and the representatives' changes to their organisation's profile and logo."""

from collections.abc import Iterable
from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies import audit
from companies.access import active_user, may_act_for, organisation_acted_for
from companies.choices import RepresentationState, RepresentativeRole, VerificationState
from companies.images import logo_reencode
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import ENTRY_FIELDS, IDENTITY_FIELDS, Organisation
from companies.models.representatives import Representative
from companies.selectors import DuplicateCandidate, organisation_duplicates
from companies.services.changes import check_fields, classified_save
from companies.services.organisations import organisation_changed
from notifications import door
from notifications.choices import StaffTopic
from wfs_portal.services import validated_save

# Fields a representative fills in and keeps current: the entry but for the legal identity
# (IDENTITY_FIELDS), which staff verify and after that alone change, so a verified record cannot be
# turned into a different company from the portal. Everything else (verification, corporate group,
# matchmaking opt-out, …) is staff business and never set from the portal.
PROFILE_FIELDS = tuple(name for name in ENTRY_FIELDS if name not in IDENTITY_FIELDS)
REGISTRATION_FIELDS = IDENTITY_FIELDS + PROFILE_FIELDS


class DuplicateOrganisation(ValidationError):
    """The registration probably duplicates existing organisations: the user should ask to join."""

    def __init__(self, candidates: list[DuplicateCandidate]):
        super().__init__(
            _("This organisation seems to be registered already. Ask to join it instead."), code="duplicate"
        )
        self.candidates = candidates


def editable_fields(organisation: Organisation) -> tuple[str, ...]:
    """The fields a representative may change now: the identity only until staff verified it."""
    if organisation.verification_state == VerificationState.VERIFIED:
        return PROFILE_FIELDS
    return REGISTRATION_FIELDS


@transaction.atomic
def organisation_register(
    *,
    user,
    data: dict,
    sectors: Iterable[Sector] = (),
    technology_fields: Iterable[TechnologyField] = (),
    not_a_duplicate: bool = False,
) -> Organisation:
    """Register a new organisation from the portal. It starts as self-registered (not public until
    staff verify it) and the user becomes its first administrator.

    Raises DuplicateOrganisation when it probably exists already: always for the same VAT ID or
    register entry, and for the same website domain or a similar name unless the user confirmed
    with ``not_a_duplicate`` that none of those is theirs."""
    if not active_user(user):
        raise PermissionDenied
    check_fields(data, REGISTRATION_FIELDS)
    candidates = organisation_duplicates(
        **{key: data.get(key, "") for key in ("name", "register_court", "register_number", "vat_id", "website")}
    )
    if any(c.certain for c in candidates) or (candidates and not not_a_duplicate):
        raise DuplicateOrganisation(candidates)
    organisation = classified_save(
        Organisation(verification_state=VerificationState.SELF_REGISTERED),
        data,
        user=user,
        reason=audit.ORGANISATION_SELF_REGISTERED,
        sectors=sectors,
        technology_fields=technology_fields,
    )
    representative = Representative(
        user=user,
        organisation=organisation,
        role=RepresentativeRole.ADMINISTRATOR,
        state=RepresentationState.APPROVED,
        decided_at=timezone.now(),
    )
    validated_save(representative, user=user, reason=audit.REPRESENTATION_ORGANISATION_REGISTERED)
    door.staff_told(
        "companies/email/staff_registration",
        topic=StaffTopic.ORGANISATION_REGISTERED,
        context={"organisation": organisation, "user_email": user.email},
        record=organisation,
        key=f"companies.registration.staff:{organisation.pk}",
    )
    return organisation


@transaction.atomic
def representation_request(*, user, organisation: Organisation, message: str = "") -> Representative:
    """Ask to represent an organisation. A declined request can be made again (the same row is
        re-opened); an open or approved one cannot. The organisation's administrators are told by e-mail
    (staff decide where it has none: they see the open requests on the admin's start page)."""
    if not active_user(user):
        raise PermissionDenied
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.verification_state == VerificationState.REJECTED:
        raise ValidationError(_("This registration was rejected; nobody can join it."), code="rejected")
    representative = Representative.objects.select_for_update().filter(user=user, organisation=organisation).first()
    if representative is not None and representative.state == RepresentationState.APPROVED:
        raise ValidationError(_("You already represent %(name)s.") % {"name": organisation.name}, code="already")
    if representative is not None and representative.state == RepresentationState.REQUESTED:
        raise ValidationError(
            _("You already asked to join %(name)s; the request is being decided.") % {"name": organisation.name},
            code="already_requested",
        )
    if representative is None:
        representative = Representative(user=user, organisation=organisation)
    representative.state = RepresentationState.REQUESTED
    representative.role = RepresentativeRole.EDITOR
    representative.message = message.strip()
    representative.decided_at = None
    representative.decided_by = None
    validated_save(representative, user=user, reason=audit.REPRESENTATION_REQUESTED)
    door.notify(
        "companies/email/join_request",
        to=door.representatives(organisation, administrators_only=True),
        context={"representative": representative, "organisation": organisation, "user_email": user.email},
        key=f"companies.join_request:{representative.pk}:{representative.updated.isoformat()}",
    )
    return representative


def may_decide(user, organisation: Organisation) -> bool:
    """Staff with the change permission, or an approved administrator of the organisation."""
    return may_act_for(
        user, organisation, role=RepresentativeRole.ADMINISTRATOR, staff_permission="companies.change_representative"
    )


def _decide(representative: Representative, user, *, approve: bool) -> bool:
    representative = (
        Representative.objects.select_for_update().select_related("organisation", "user").get(pk=representative.pk)
    )
    if not may_decide(user, representative.organisation) or (representative.user_id == user.pk and not user.is_staff):
        raise PermissionDenied
    target = RepresentationState.APPROVED if approve else RepresentationState.DECLINED
    if representative.state == target:
        return False
    if representative.state != RepresentationState.REQUESTED:
        raise ValidationError(_("This request was already decided."), code="decided")
    representative.state = target
    representative.decided_at = timezone.now()
    representative.decided_by = user
    if (
        approve
        and not Representative.objects.filter(
            organisation=representative.organisation,
            state=RepresentationState.APPROVED,
            role=RepresentativeRole.ADMINISTRATOR,
        ).exists()
    ):
        # Somebody must be able to decide the next requests: the first representative of an
        # organisation that staff entered (it has nobody yet) becomes its administrator.
        representative.role = RepresentativeRole.ADMINISTRATOR
    validated_save(
        representative, user=user, reason=audit.REPRESENTATION_APPROVED if approve else audit.REPRESENTATION_DECLINED
    )
    door.notify(
        "companies/email/join_decided",
        to=door.users([representative.user]),
        context={"representative": representative, "organisation": representative.organisation},
        key=f"companies.join_decided:{representative.pk}:{representative.decided_at.isoformat()}",
    )
    return True


@transaction.atomic
def representation_approve(*, representative: Representative, user) -> bool:
    """Approve a join request (an administrator of the organisation, or staff). False when it already was."""
    return _decide(representative, user, approve=True)


@transaction.atomic
def representation_decline(*, representative: Representative, user) -> bool:
    """Decline a join request (an administrator of the organisation, or staff). False when it already was."""
    return _decide(representative, user, approve=False)


@transaction.atomic
def organisation_profile_update(
    *,
    organisation: Organisation,
    user,
    data: dict,
    sectors: Iterable[Sector] | None = None,
    technology_fields: Iterable[TechnologyField] | None = None,
) -> Organisation:
    """A representative's change of the profile. Only editable_fields() may be given."""
    organisation = organisation_acted_for(user, organisation, lock=True)
    check_fields(data, editable_fields(organisation))
    organisation = classified_save(
        organisation,
        data,
        user=user,
        reason=audit.ORGANISATION_CHANGED_IN_PORTAL,
        sectors=sectors,
        technology_fields=technology_fields,
    )
    organisation_changed(organisation=organisation)
    return organisation


@transaction.atomic
def organisation_logo_set(*, organisation: Organisation, user, upload) -> Organisation:
    """Check and re-encode an uploaded logo (companies.images) and store it under a generated name;
    the previous file is deleted once the change is committed."""
    organisation = organisation_acted_for(user, organisation, lock=True)
    try:
        image = logo_reencode(upload)
    except ValidationError as exc:
        raise ValidationError({"logo": exc.messages}) from exc
    previous = organisation.logo.name
    organisation.logo.save(f"{uuid4().hex}.{image.extension}", ContentFile(image.data), save=False)
    new_name = organisation.logo.name
    try:
        validated_save(organisation, user=user, reason=audit.ORGANISATION_LOGO_CHANGED_IN_PORTAL)
    except Exception:
        organisation.logo.storage.delete(new_name)
        raise
    if previous:
        storage = organisation.logo.storage
        transaction.on_commit(lambda: storage.delete(previous))
    organisation_changed(organisation=organisation)
    return organisation


@transaction.atomic
def organisation_logo_remove(*, organisation: Organisation, user) -> bool:
    organisation = organisation_acted_for(user, organisation, lock=True)
    if not organisation.logo:
        return False
    previous, storage = organisation.logo.name, organisation.logo.storage
    organisation.logo = ""
    validated_save(organisation, user=user, reason=audit.ORGANISATION_LOGO_REMOVED_IN_PORTAL)
    transaction.on_commit(lambda: storage.delete(previous))
    organisation_changed(organisation=organisation)
    return True
