"""What of the delegation trips is pending for an organisation, for the portal's home
(companies.portal_home): its participants' registrations, and the trips it has not registered for
whose registration deadline is coming up."""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from companies.models.organisations import Organisation
from companies.portal_home import PendingApplication, UpcomingDeadline
from delegations.models import DelegationParticipant
from delegations.selectors import organisation_delegation_participants, portal_delegations
from wfs_portal.choices import RegistrationState
from wfs_portal.registrations import pending_or_recently_decided, pending_state


def applications(organisation: Organisation, *, today: datetime.date, recent_days: int) -> list[PendingApplication]:
    """Participants on trips still to come: undecided ones, and those decided in the last days."""
    participants = organisation_delegation_participants(organisation).filter(
        pending_or_recently_decided(today=today, recent_days=recent_days),
        delegation__end_date__gte=today,
    )
    url = reverse("portal_delegations:participant-list")
    return [
        PendingApplication(
            kind=_("Delegation trip"),
            title=participant.delegation.title,
            detail=participant.contact.full_name if participant.contact and not participant.contact.removed_at else "",
            event_date=participant.delegation.start_date,
            url=url,
            **pending_state(participant),
        )
        for participant in participants
    ]


def deadlines(organisation: Organisation, *, today: datetime.date, until: datetime.date) -> list[UpcomingDeadline]:
    """Outbound trips open for registration, with a free place, whose deadline lies in
    [today, until], and for which the organisation has registered nobody (withdrawn ones aside)."""
    registered = DelegationParticipant.objects.filter(delegation=OuterRef("pk"), organisation=organisation).exclude(
        state=RegistrationState.WITHDRAWN
    )
    trips = (
        portal_delegations()
        .filter(Q(free_places__isnull=True) | Q(free_places__gt=0), registration_deadline__range=(today, until))
        .exclude(Exists(registered))
        .order_by("registration_deadline", "pk")
    )
    return [
        UpcomingDeadline(
            kind=_("Delegation trip"),
            title=trip.title,
            place=trip.cities or ", ".join(country.name for country in trip.countries),
            deadline=trip.registration_deadline,
            starts=trip.start_date,
            url=reverse("portal_delegations:participant-register", args=[trip.pk]),
        )
        for trip in trips
    ]
