"""Follows: a portal user follows a partnering profile (to hear of its changes) or a search (to
hear of new published profiles matching it, interests.search), and receives a weekly digest
through the notification door. Stopping is open to the user in the portal and, without logging
in, through the signed link in every digest."""

import datetime

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.access import may_act_for
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.selectors import public_profiles
from interests import audit
from interests.choices import FollowKind
from interests.models import Follow
from interests.search import clean_query, saved_search_profiles
from notifications import door
from wfs_portal.services import validated_save

STOP_SALT = "interests.follow.stop"
# How many new profiles a digest names; the rest are counted.
DIGEST_MAX_PROFILES = 20


@transaction.atomic
def follow_profile(*, user, organisation: Organisation, profile: PartneringProfile) -> Follow:
    """Follow a published profile (a representative of ``organisation``); following it twice
    returns the existing follow."""
    if not may_act_for(user, organisation):
        raise PermissionDenied
    if not public_profiles().filter(pk=profile.pk).exists():
        raise ValidationError(_("This profile is not published."), code="not_published")
    existing = Follow.objects.filter(user=user, profile=profile, kind=FollowKind.PROFILE, stopped_at__isnull=True)
    if existing.exists():
        return existing.get()
    follow = Follow(user=user, organisation=organisation, kind=FollowKind.PROFILE, profile=profile)
    validated_save(follow, user=user, reason=audit.FOLLOW_STARTED)
    return follow


@transaction.atomic
def follow_search(*, user, organisation: Organisation, query: dict) -> Follow:
    """Save a search (words and filters, interests.search.clean_query) to be told weekly of new
    published profiles that match it."""
    if not may_act_for(user, organisation):
        raise PermissionDenied
    follow = Follow(user=user, organisation=organisation, kind=FollowKind.SEARCH, query=clean_query(query))
    validated_save(follow, user=user, reason=audit.FOLLOW_STARTED)
    return follow


@transaction.atomic
def follow_stop(*, follow: Follow, user=None) -> bool:
    """Stop a follow: its user in the portal (``user``), or the holder of the digest's signed link
    (no user). False when it was stopped already."""
    locked = Follow.objects.select_for_update().get(pk=follow.pk)
    if user is not None and locked.user_id != user.pk:
        raise PermissionDenied
    if locked.stopped_at is not None:
        return False
    locked.stopped_at = timezone.now()
    validated_save(locked, user=user, reason=audit.FOLLOW_STOPPED)
    return True


def stop_token(follow: Follow) -> str:
    return signing.dumps(follow.pk, salt=STOP_SALT)


def follow_from_token(token: str) -> Follow | None:
    try:
        pk = signing.loads(token, salt=STOP_SALT)
    except signing.BadSignature:
        return None
    return Follow.objects.filter(pk=pk).select_related("profile").first()


# --- the weekly digest ----------------------------------------------------------------------------


def digest_profiles(follow: Follow, since: datetime.datetime) -> tuple[list[PartneringProfile], int]:
    """What a digest tells about: for a search, the published profiles matching it that were first
    published after ``since`` (not the follower's own organisation's); for a profile, the profile if
    it changed since. Returns (up to DIGEST_MAX_PROFILES of them, how many there are)."""
    if follow.kind == FollowKind.PROFILE:
        changed = PartneringProfile.objects.filter(pk=follow.profile_id, updated__gt=since).select_related(
            "organisation"
        )
        found = list(changed)
        return found, len(found)
    # The week's new profiles first, then the search among them (its rankings are cut at a limit).
    rows = saved_search_profiles(public_profiles().filter(published_at__gt=since), follow.query)
    if follow.organisation_id:
        rows = rows.exclude(organisation_id=follow.organisation_id)
    rows = rows.select_related("organisation").order_by("published_at", "pk")
    return list(rows[:DIGEST_MAX_PROFILES]), rows.count()


def _week(now: datetime.datetime) -> str:
    year, week, _weekday = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def follow_digests_send(*, now: datetime.datetime | None = None) -> int:
    """The weekly digest: every active follow's new profiles since its previous digest (since it
    was started, for the first), one e-mail per follow and week, nothing where nothing is new.
    Idempotent and safe on several workers: each follow is claimed with a conditional update of
    last_digest_at, and its e-mail, keyed by follow and week, goes to the outbox in the same
    transaction. Returns the number of digests mailed."""
    now = now or timezone.now()
    sent = 0
    due = Follow.objects.filter(stopped_at__isnull=True, user__is_active=True).filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=now)
    )
    for pk, last in list(due.values_list("pk", "last_digest_at")):
        with transaction.atomic():
            claim = Follow.objects.filter(pk=pk, stopped_at__isnull=True)
            claim = claim.filter(last_digest_at__isnull=True) if last is None else claim.filter(last_digest_at=last)
            if claim.update(last_digest_at=now) != 1:
                continue  # stopped, or claimed by another run in the meantime
            follow = Follow.objects.select_related("user", "profile").get(pk=pk)
            profiles, count = digest_profiles(follow, last or follow.created)
            if not profiles:
                continue
            door.notify(
                "interests/email/digest",
                to=door.users([follow.user]),
                context={
                    "follow": follow,
                    "profiles": [
                        (p, door.absolute_url(reverse("portal_interests:express", args=[p.pk]))) for p in profiles
                    ],
                    "count": count,
                    "more": count - len(profiles),
                    "public": {p.pk for p in public_profiles().filter(pk__in=[p.pk for p in profiles])},
                    "stop_url": door.absolute_url(
                        reverse("portal_interests:follow-stop-link", args=[stop_token(follow)])
                    ),
                    "follows_url": door.absolute_url(reverse("portal_interests:follows")),
                },
                key=f"interests.digest:{follow.pk}:{_week(now)}",
            )
            sent += 1
    return sent
