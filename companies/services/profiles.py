"""Write paths of the portal's partnering profiles: a representative creates and edits their
organisation's offers and requests and renews them before they expire; a daily job reminds the
representatives 30 days before a published profile's 'valid until' date.

Publishing and withdrawing are companies.services.organisations.partnering_profile_publish and
partnering_profile_withdraw (shared with the admin); a profile is published only once staff
verified its organisation, and a representative's new profile only after the staff review
(companies.services.reviews.partnering_profile_submit)."""

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from companies import audit
from companies.access import organisation_acted_for
from companies.choices import ProfileState, VerificationState
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.services.changes import check_fields, classified_save
from companies.services.organisations import partnering_profile_publish
from notifications import door
from wfs_portal.l10n import format_date

logger = logging.getLogger(__name__)

# What a representative writes. The state and its dates change only through publish, renew,
# withdraw and expire; the organisation never changes; the reminder bookkeeping is the job's.
PROFILE_FIELDS = (
    "type",
    *PartneringProfile.TEXT_FIELDS,
    "target_countries",
    "stage",
    "valid_until",
    "question_1",
    "question_2",
    "question_3",
)
# How long before the 'valid until' date the representatives are reminded to renew.
RENEWAL_REMINDER_DAYS = 30


def _check_valid_until(profile: PartneringProfile, valid_until: datetime.date | None) -> None:
    """A date the representative picks lies in the future and at most one validity period ahead:
    otherwise a profile could stay published for years without anybody confirming it is current.
    A date left as it was (staff may have set a longer one) is not checked again."""
    if valid_until is None or valid_until == profile.valid_until:
        return
    today = timezone.localdate()
    latest = today + datetime.timedelta(days=settings.PARTNERING_PROFILE_VALIDITY_DAYS)
    if valid_until <= today:
        raise ValidationError({"valid_until": _("The 'valid until' date must lie in the future.")})
    if valid_until > latest:
        raise ValidationError(
            {"valid_until": _("The 'valid until' date can be at most %(date)s.") % {"date": format_date(latest)}}
        )


@transaction.atomic
def partnering_profile_create(
    *,
    organisation: Organisation,
    user,
    data: dict,
    sectors: Iterable[Sector] = (),
    technology_fields: Iterable[TechnologyField] = (),
) -> PartneringProfile:
    """A new draft profile of an organisation the user represents. Drafts are seen by nobody else."""
    organisation = organisation_acted_for(user, organisation, lock=True)
    check_fields(data, PROFILE_FIELDS)
    profile = PartneringProfile(organisation=organisation, state=ProfileState.DRAFT)
    _check_valid_until(profile, data.get("valid_until"))
    return classified_save(
        profile,
        data,
        user=user,
        reason=audit.PROFILE_CREATED_IN_PORTAL,
        sectors=sectors,
        technology_fields=technology_fields,
    )


def _representative_profile(user, profile: PartneringProfile) -> PartneringProfile:
    """The profile, locked, if the user represents its organisation; PermissionDenied otherwise."""
    organisation_acted_for(user, profile.organisation, lock=True)
    return PartneringProfile.objects.select_for_update().select_related("organisation").get(pk=profile.pk)


@transaction.atomic
def partnering_profile_update(
    *,
    profile: PartneringProfile,
    user,
    data: dict,
    sectors: Iterable[Sector] | None = None,
    technology_fields: Iterable[TechnologyField] | None = None,
) -> PartneringProfile:
    """A representative's change of a profile in any state. A published one stays published and
    shows the change at once; its 'valid until' date may be moved within _check_valid_until."""
    profile = _representative_profile(user, profile)
    check_fields(data, PROFILE_FIELDS)
    _check_valid_until(profile, data.get("valid_until", profile.valid_until))
    if profile.state == ProfileState.PUBLISHED and data.get("valid_until", profile.valid_until) is None:
        raise ValidationError({"valid_until": _("A published profile needs a 'valid until' date.")})
    return classified_save(
        profile,
        data,
        user=user,
        reason=audit.PROFILE_CHANGED_IN_PORTAL,
        sectors=sectors,
        technology_fields=technology_fields,
    )


def renewal_date(profile: PartneringProfile, *, today: datetime.date | None = None) -> datetime.date:
    """The new 'valid until' date a renewal gives: one validity period
    (PARTNERING_PROFILE_VALIDITY_DAYS, a year by default) from the day of the renewal. Counting
    from the day, not from the old date, keeps a profile from being stacked years ahead by
    renewing repeatedly; renewing within the reminder window costs at most those 30 days. A later
    date already set (by staff) is kept."""
    today = today or timezone.localdate()
    new = today + datetime.timedelta(days=settings.PARTNERING_PROFILE_VALIDITY_DAYS)
    if profile.state == ProfileState.PUBLISHED and profile.valid_until and profile.valid_until > new:
        return profile.valid_until
    return new


RENEWABLE_STATES = (ProfileState.PUBLISHED, ProfileState.EXPIRED)


@transaction.atomic
def partnering_profile_renew(*, profile: PartneringProfile, user) -> bool:
    """Confirm that a published (or recently expired) profile is still current: it stays (or is
    again) published until renewal_date(). Returns False when that changes nothing (renewed twice
    on one day). Withdrawn profiles and drafts are published, not renewed."""
    profile = _representative_profile(user, profile)
    if profile.state not in RENEWABLE_STATES:
        raise ValidationError(_("Only a published or expired profile can be renewed."), code="not_renewable")
    return partnering_profile_publish(profile=profile, user=user, valid_until=renewal_date(profile))


@transaction.atomic
def partnering_profile_delete(*, profile: PartneringProfile, user) -> None:
    """Delete a draft of an organisation the user represents. Only drafts: nobody else has seen
    them, whereas a profile that was published once was shown to partners and used for matches, and
    is withdrawn instead, so that its history stays. The deletion is kept in the audit history (who,
    when, and the draft as it was)."""
    profile = _representative_profile(user, profile)
    if profile.state != ProfileState.DRAFT:
        raise ValidationError(
            _("Only a draft can be deleted. Withdraw a published profile instead."), code="not_a_draft"
        )
    profile._history_user = user
    profile._change_reason = audit.PROFILE_DRAFT_DELETED_IN_PORTAL
    profile.delete()


# --- the renewal reminder -----------------------------------------------------------------------


def _due_for_reminder(today: datetime.date):
    """Published profiles of verified organisations (others cannot be renewed) whose date lies
    within the next RENEWAL_REMINDER_DAYS and that had no reminder for this date. A window rather
    than the one day 30 days ahead: a day the job did not run is made up for on the next."""
    return PartneringProfile.objects.filter(
        Q(renewal_reminder_sent_for__isnull=True) | ~Q(renewal_reminder_sent_for=F("valid_until")),
        state=ProfileState.PUBLISHED,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=RENEWAL_REMINDER_DAYS),
        organisation__verification_state=VerificationState.VERIFIED,
    )


def partnering_profile_renewal_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail the approved representatives of each organisation whose published profile expires
    within RENEWAL_REMINDER_DAYS, once per profile and 'valid until' date. Idempotent and safe on
    several workers at once: each profile is claimed with a conditional update of
    renewal_reminder_sent_for, and the reminder is handed to the outbox in the same transaction, so
    a claim without its e-mail (or an e-mail without its claim) cannot happen; the outbox keeps
    trying while the mail server is away. Returns the number of reminders."""
    today = today or timezone.localdate()
    sent = 0
    for pk, valid_until in list(_due_for_reminder(today).values_list("pk", "valid_until")):
        with transaction.atomic():
            # Conditions on the row itself only (no join): PostgreSQL re-checks them on the row a
            # concurrent claim just committed, so the second update changes nothing.
            claimed = (
                PartneringProfile.objects.filter(pk=pk, state=ProfileState.PUBLISHED, valid_until=valid_until)
                .filter(Q(renewal_reminder_sent_for__isnull=True) | ~Q(renewal_reminder_sent_for=valid_until))
                .update(renewal_reminder_sent_for=valid_until)
            )
            if claimed != 1:
                continue  # renewed, withdrawn or claimed by another run in the meantime
            profile = PartneringProfile.objects.select_related("organisation").get(pk=pk)
            door.notify(
                "companies/email/profile_renewal_reminder",
                to=door.representatives(profile.organisation),
                context={
                    "profile": profile,
                    "organisation": profile.organisation,
                    "renew_url": door.absolute_url(reverse("portal:profile-renew", args=[profile.pk])),
                    "new_date": renewal_date(profile),
                },
                key=f"companies.profile_renewal:{profile.pk}:{valid_until.isoformat()}",
            )
        sent += 1
    return sent
