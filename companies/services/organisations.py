"""Write paths for organisations and their profiles. The admin, the portal, the API and the tasks
call these, so that a rule and its audit entry hold on every path."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies import audit
from companies.access import organisation_acted_for
from companies.choices import ProfileState, VerificationState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.references import reference_assign
from notifications import door
from wfs_portal import events
from wfs_portal.services import validated_save


def organisation_changed(*, organisation: Organisation) -> None:
    """Announce that the organisation's directory entry changed (``organisation.updated`` for the
    partner webhooks, which send only what the public directory shows), inside the writer's
    transaction. For the writes that have no service of their own here: the admin's form, the
    import, the merge, the member-list sync, the logo."""
    events.publish(events.ORGANISATION_UPDATED, organisation)


@transaction.atomic
def organisation_verify(*, organisation: Organisation, user) -> bool:
    """Mark a self-registered (or rejected) organisation as verified. Returns False when it already was."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.verification_state == VerificationState.VERIFIED:
        return False
    organisation.verification_state = VerificationState.VERIFIED
    organisation.verified_at = timezone.now()
    organisation.verified_by = user
    organisation.rejection_reason = ""
    validated_save(organisation, user=user, reason=audit.ORGANISATION_VERIFIED)
    _announce_verification(organisation)
    organisation_changed(organisation=organisation)
    return True


@transaction.atomic
def organisation_unverify(*, organisation: Organisation, user) -> bool:
    """Withdraw a verification (made by mistake, or the organisation ceased to exist): the
    organisation is back in the queue of self-registrations and no longer public."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.verification_state != VerificationState.VERIFIED:
        return False
    organisation.verification_state = VerificationState.SELF_REGISTERED
    organisation.verified_at = None
    organisation.verified_by = None
    validated_save(organisation, user=user, reason=audit.ORGANISATION_VERIFICATION_WITHDRAWN)
    return True


@transaction.atomic
def organisation_reject(*, organisation: Organisation, user, reason: str) -> bool:
    """Reject a self-registration. A verified organisation is not rejected directly: it may already
    take part in fairs and delegations, so staff first withdraw its verification on purpose."""
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Give a reason for the rejection.")})
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.verification_state == VerificationState.REJECTED:
        return False
    if organisation.verification_state == VerificationState.VERIFIED:
        raise ValidationError(_("%(name)s is already verified.") % {"name": organisation.name})
    organisation.verification_state = VerificationState.REJECTED
    organisation.rejection_reason = reason.strip()
    validated_save(organisation, user=user, reason=audit.ORGANISATION_REJECTED)
    _announce_verification(organisation)
    return True


def _announce_verification(organisation: Organisation) -> None:
    """Tell the representatives (of a self-registration) that staff verified or rejected it."""
    door.notify(
        "companies/email/organisation_verified",
        to=door.representatives(organisation),
        context={"organisation": organisation},
        key=f"companies.verification:{organisation.pk}:{organisation.verification_state}:{organisation.updated.isoformat()}",
    )


def partnering_profiles_expire(*, today: datetime.date | None = None) -> int:
    """Set published profiles whose 'valid until' date has passed to expired. Idempotent: a second
    run finds nothing left to do. Returns the number of profiles expired."""
    today = today or timezone.localdate()
    expired = 0
    due = PartneringProfile.objects.filter(state=ProfileState.PUBLISHED, valid_until__lt=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            # Claim the row: a concurrent run (or a renewal in between) makes the filter miss it.
            profile = (
                PartneringProfile.objects.select_for_update()
                .filter(pk=pk, state=ProfileState.PUBLISHED, valid_until__lt=today)
                .first()
            )
            if profile is None:
                continue
            profile.state = ProfileState.EXPIRED
            validated_save(profile, reason=audit.PROFILE_EXPIRED)
            expired += 1
    return expired


@transaction.atomic
def partnering_profile_publish(*, profile: PartneringProfile, user, valid_until: datetime.date | None = None) -> bool:
    """Publish a draft (or renew an expired or withdrawn) profile. Without a date it stays valid for
    PARTNERING_PROFILE_VALIDITY_DAYS. Only profiles of verified organisations are published: an
    unverified one must not appear in anybody's directory or matches (the portal lets its
    representatives prepare drafts meanwhile). Staff, or a representative of the organisation."""
    from django.conf import settings

    profile = PartneringProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)
    organisation_acted_for(user, profile.organisation, staff_permission="companies.change_partneringprofile")
    if not profile.organisation.is_verified:
        raise ValidationError(_("The organisation must be verified before its profiles are published."))
    today = timezone.localdate()
    valid_until = valid_until or today + datetime.timedelta(days=settings.PARTNERING_PROFILE_VALIDITY_DAYS)
    if valid_until <= today:
        raise ValidationError({"valid_until": _("The 'valid until' date must lie in the future.")})
    staff = user.is_staff and user.has_perm("companies.change_partneringprofile")
    if not staff and profile.state not in (ProfileState.PUBLISHED, ProfileState.EXPIRED) and review_required(profile):
        # A representative's way to publication is partnering_profile_submit, past the staff review;
        # renewing a profile that was published already needs none.
        raise ValidationError(
            _("The profile is published after the agency has reviewed it: submit it for review."),
            code="review_required",
        )
    return profile_publication_set(profile, user=user, valid_until=valid_until)


def review_required(profile: PartneringProfile) -> bool:
    """Whether the profile goes through the staff review before publication: always, unless the
    agency lets verified organisations publish at once (PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW)."""
    from django.conf import settings

    return not (settings.PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW and profile.organisation.is_verified)


def profile_publication_set(
    profile: PartneringProfile, *, user, valid_until: datetime.date, reason: str = audit.PROFILE_PUBLISHED
) -> bool:
    """Publish a locked profile whose publication the caller has checked (partnering_profile_publish,
    a review that passed). False when it was published until that date already."""
    if profile.state == ProfileState.PUBLISHED and profile.valid_until == valid_until:
        return False
    profile.state = ProfileState.PUBLISHED
    profile.valid_until = valid_until
    profile.published_at = profile.published_at or timezone.now()
    reference_assign(profile, year=timezone.localtime(profile.published_at).year)
    validated_save(profile, user=user, reason=reason)
    events.publish(events.PROFILE_PUBLISHED, profile)
    return True


@transaction.atomic
def partnering_profile_withdraw(*, profile: PartneringProfile, user) -> bool:
    """Take a profile out of the directory and the matchmaking (staff, or a representative of the
    organisation). A draft is withdrawn as well: it is then simply not wanted any more."""
    profile = PartneringProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)
    organisation_acted_for(user, profile.organisation, staff_permission="companies.change_partneringprofile")
    if profile.state == ProfileState.WITHDRAWN:
        return False
    profile.state = ProfileState.WITHDRAWN
    validated_save(profile, user=user, reason=audit.PROFILE_WITHDRAWN)
    events.publish(events.PROFILE_WITHDRAWN, profile)
    return True
