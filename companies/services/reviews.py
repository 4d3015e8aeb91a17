"""Review before publication, as the Enterprise Europe Network does it. A representative submits a
profile (a draft, one on hold after a review, or a withdrawn one); staff score it on four criteria
0–5 each: a total of PUBLISH_THRESHOLD (10) or more publishes it, less puts it on hold with the
reviewer's comment, which the representatives are e-mailed; they edit it and submit it again.
With PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW a verified organisation's profile is published as soon
as it is submitted. Staff following "profile submitted" are told of each submission."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from companies import audit
from companies.access import active_user, organisation_acted_for
from companies.choices import ProfileState
from companies.models.profiles import PartneringProfile
from companies.models.reviews import PUBLISH_THRESHOLD, SCORE_FIELDS, ProfileReview
from companies.services.organisations import profile_publication_set, review_required
from notifications import door
from notifications.choices import StaffTopic
from wfs_portal.services import validated_save

SUBMITTABLE_STATES = (ProfileState.DRAFT, ProfileState.ON_HOLD, ProfileState.WITHDRAWN)
REVIEW_PERMISSION = "companies.add_profilereview"


def _valid_until(profile: PartneringProfile) -> datetime.date:
    """The date the representative chose while it lies ahead; else one validity period."""
    from django.conf import settings

    today = timezone.localdate()
    if profile.valid_until and profile.valid_until > today:
        return profile.valid_until
    return today + datetime.timedelta(days=settings.PARTNERING_PROFILE_VALIDITY_DAYS)


@transaction.atomic
def partnering_profile_submit(*, profile: PartneringProfile, user) -> str:
    """A representative hands a profile in for publication. Returns its new state: submitted (for
    review), or published where no review is required. Refused for an unverified organisation and
    for a profile that is published, expired (renewed instead) or waiting for its review."""
    organisation_acted_for(user, profile.organisation, lock=True)
    profile = PartneringProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)
    if not profile.organisation.is_verified:
        raise ValidationError(_("The organisation must be verified before its profiles are published."))
    if profile.state == ProfileState.SUBMITTED:
        raise ValidationError(_("The profile is already waiting for the agency's review."), code="submitted")
    if profile.state not in SUBMITTABLE_STATES:
        raise ValidationError(
            _("Only a draft, a withdrawn profile or one on hold can be submitted."), code="not_submittable"
        )
    if not review_required(profile):
        profile_publication_set(profile, user=user, valid_until=_valid_until(profile))
        return profile.state
    profile.state = ProfileState.SUBMITTED
    profile.submitted_at = timezone.now()
    validated_save(profile, user=user, reason=audit.PROFILE_SUBMITTED)
    door.staff_told(
        "companies/email/staff_profile_submitted",
        topic=StaffTopic.PROFILE_SUBMITTED,
        context={
            "profile": profile,
            "organisation": profile.organisation,
            "review_url": door.absolute_url(reverse("admin:companies_partneringprofile_review", args=[profile.pk])),
        },
        record=profile,
        key=f"companies.profile_submitted:{profile.pk}:{profile.submitted_at.isoformat()}",
    )
    return profile.state


def may_review(user) -> bool:
    return bool(active_user(user) and user.is_staff and user.has_perm(REVIEW_PERMISSION))


@transaction.atomic
def partnering_profile_review(
    *,
    profile: PartneringProfile,
    user,
    innovation: int,
    clarity: int,
    cooperation: int,
    language: int,
    comment: str = "",
) -> ProfileReview:
    """Staff record their review of a submitted profile: PUBLISH_THRESHOLD points or more publish
    it, fewer put it on hold (a comment to the company is then required). The representatives are
    e-mailed the outcome with the comment."""
    if not may_review(user):
        raise PermissionDenied
    profile = PartneringProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)
    if profile.state != ProfileState.SUBMITTED:
        raise ValidationError(
            _("Only a profile submitted for review can be reviewed (this one is: %(state)s).")
            % {"state": profile.get_state_display()},
            code="not_submitted",
        )
    scores = {"innovation": innovation, "clarity": clarity, "cooperation": cooperation, "language": language}
    total = sum(int(value) for value in scores.values())
    review = ProfileReview(
        profile=profile,
        reviewer=user,
        total=total,
        comment=comment.strip(),
        published=total >= PUBLISH_THRESHOLD,
        decided_at=timezone.now(),
        **scores,
    )
    if not review.published and not review.comment:
        raise ValidationError({"comment": _("Tell the company what to improve when the profile is put on hold.")})
    if review.published and not profile.organisation.is_verified:
        raise ValidationError(_("The organisation must be verified before its profiles are published."))
    validated_save(review, user=user, reason=audit.PROFILE_REVIEWED)
    if review.published:
        profile_publication_set(profile, user=user, valid_until=_valid_until(profile))
    else:
        profile.state = ProfileState.ON_HOLD
        validated_save(profile, user=user, reason=audit.PROFILE_PUT_ON_HOLD)
    door.notify(
        "companies/email/profile_reviewed",
        to=door.representatives(profile.organisation),
        context={
            "profile": profile,
            "review": review,
            "max_total": len(SCORE_FIELDS) * 5,
            "threshold": PUBLISH_THRESHOLD,
            "profiles_url": door.absolute_url(reverse("portal:profile-list")),
        },
        key=f"companies.profile_review:{review.pk}",
    )
    return review
