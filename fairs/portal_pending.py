"""What of the fair programme is pending for an organisation, for the portal's home
(companies.portal_home): its applications for joint booths, and the booths it has not applied for
whose registration deadline is coming up."""

import datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from companies.models.organisations import Organisation
from companies.portal_home import PendingApplication, UpcomingDeadline
from fairs.models import BoothRegistration
from fairs.selectors import organisation_booth_registrations, portal_booths
from wfs_portal.registrations import pending_or_recently_decided, pending_state


def applications(organisation: Organisation, *, today: datetime.date, recent_days: int) -> list[PendingApplication]:
    """Registrations for fairs still to come: undecided ones, and those decided in the last days."""
    registrations = organisation_booth_registrations(organisation).filter(
        pending_or_recently_decided(today=today, recent_days=recent_days),
        booth__fair__end_date__gte=today,
    )
    url = reverse("portal_fairs:registration-list")
    return [
        PendingApplication(
            kind=_("Joint booth"),
            title=f"{registration.booth.fair} · {registration.booth.title}",
            detail=registration.booth.fair.city,
            event_date=registration.booth.fair.start_date,
            url=url,
            **pending_state(registration),
        )
        for registration in registrations
    ]


def deadlines(organisation: Organisation, *, today: datetime.date, until: datetime.date) -> list[UpcomingDeadline]:
    """Open joint booths with a free place whose deadline lies in [today, until] and that the
    organisation has not registered for (in any state: the application service refuses a second one)."""
    registered = BoothRegistration.objects.filter(booth=OuterRef("pk"), organisation=organisation)
    booths = (
        portal_booths()
        .open(today)
        .filter(registration_deadline__lte=until, free_places__gt=0)
        .exclude(Exists(registered))
        .order_by("registration_deadline", "pk")
    )
    return [
        UpcomingDeadline(
            kind=_("Joint booth"),
            title=f"{booth.fair} · {booth.title}",
            place=booth.fair.city,
            deadline=booth.registration_deadline,
            starts=booth.fair.start_date,
            url=reverse("portal_fairs:booth-apply", args=[booth.pk]),
        )
        for booth in booths
    ]
