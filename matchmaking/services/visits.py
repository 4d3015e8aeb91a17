"""The portal remembers a user's visits per organisation (matchmaking.PortalVisit), so that the home
and the match list can mark the partner suggestions that are new since the previous visit."""

import datetime

from django.db import transaction
from django.utils import timezone

from companies.models.organisations import Organisation
from matchmaking.models.visits import PortalVisit
from matchmaking.selectors import suggested_partner_ids

# A pause longer than this ends a visit (the usual session length of web analytics): coming back
# after lunch is a new visit, clicking from the home to the match list is not.
VISIT_PAUSE = datetime.timedelta(minutes=30)


@transaction.atomic
def portal_visit_record(*, user, organisation: Organisation, now: datetime.datetime | None = None) -> PortalVisit:
    """Record that the user looks at the organisation's portal pages now. The first page of a new
    visit makes the list the previous visit last saw the baseline (``partners_before``) against which
    suggestions count as new; later pages of the same visit keep it, so a suggestion marked new on
    the home is still marked in the match list. On the very first visit nothing is new: there is
    nothing to compare with. Bookkeeping, not a record of the organisation: no audit entry."""
    now = now or timezone.now()
    partners = suggested_partner_ids(organisation)
    visit, created = PortalVisit.objects.select_for_update().get_or_create(
        user=user,
        organisation=organisation,
        defaults={"started_at": now, "seen_at": now, "partners_before": partners, "partners_seen": partners},
    )
    if created:
        return visit
    if now - visit.seen_at > VISIT_PAUSE:
        visit.partners_before = visit.partners_seen
        visit.started_at = now
    visit.partners_seen = partners
    visit.seen_at = now
    visit.save(update_fields=["partners_before", "partners_seen", "started_at", "seen_at"])
    return visit
