"""What the portal's home shows a representative: what is pending for the organisation they act for.

The directory's own part (join requests, expiring profiles, the user as contact person) comes from
companies.selectors. Everything else is other apps' data: each app may contribute a module
``portal_pending`` with ``applications(organisation, *, today, recent_days)`` and/or
``deadlines(organisation, *, today, until)`` (fairs, delegation trips, workshops), or
``fill(home, *, user, organisation, today)``, which sets fields of the home itself (matchmaking:
introductions and new partner suggestions). They are found here by name, so this module imports
none of them (the seams of DESIGN.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from companies import selectors
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative

CONTRIBUTION_MODULE = "portal_pending"
# Registration deadlines within this many days are "coming up".
DEADLINE_DAYS = 42
# Decided applications stay on the home this long, so that the outcome is seen there too.
RECENT_DECISION_DAYS = 30
# Profiles whose 'valid until' date lies this close are about to expire (the renewal reminder's window).
EXPIRY_DAYS = 30


@dataclass(frozen=True)
class PendingApplication:
    """An application of the organisation (a booth registration, a delegation participation, a
    workshop join request) that is undecided or was decided lately, for an event still to come."""

    kind: str
    title: str
    state: str
    state_label: str
    is_open: bool
    url: str
    detail: str = ""
    event_date: datetime.date | None = None
    changed_at: datetime.datetime | None = None


@dataclass(frozen=True)
class UpcomingDeadline:
    """A joint booth or delegation trip open for registration, with its deadline coming up, that the
    organisation has not applied for."""

    kind: str
    title: str
    deadline: datetime.date
    url: str
    place: str = ""
    starts: datetime.date | None = None

    @property
    def days_left(self) -> int:
        return (self.deadline - timezone.localdate()).days


@dataclass
class PortalHome:
    organisation: Organisation
    # The periods the home looks ahead, for its texts ("… within 30 days", "… in the next 6 weeks").
    expiry_days: int = EXPIRY_DAYS
    deadline_weeks: int = DEADLINE_DAYS // 7
    # Set by matchmaking's contribution: introduction requests (matchmaking.ContactRequest) and
    # new partner suggestions (matchmaking.Match).
    introductions_received: list = field(default_factory=list)
    introductions_sent: list = field(default_factory=list)
    new_suggestions: list = field(default_factory=list)
    expiring_profiles: list[PartneringProfile] = field(default_factory=list)
    new_suggestion_count: int = 0
    applications: list[PendingApplication] = field(default_factory=list)
    deadlines: list[UpcomingDeadline] = field(default_factory=list)
    own_contact: Contact | None = None
    join_requests: list[Representative] = field(default_factory=list)
    # Set by the interests app's contribution: expressions of interest awaiting an answer.
    interests_received: list = field(default_factory=list)

    @property
    def open_applications(self) -> list[PendingApplication]:
        return [application for application in self.applications if application.is_open]

    @property
    def nothing_pending(self) -> bool:
        return not (
            self.introductions_received
            or self.join_requests
            or self.expiring_profiles
            or self.new_suggestion_count
            or self.deadlines
            or self.applications
            or self.introductions_sent
            or self.interests_received
        )


def _contributions():
    """The apps' portal_pending modules, in the order of INSTALLED_APPS."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, CONTRIBUTION_MODULE):
            yield import_module(f"{config.name}.{CONTRIBUTION_MODULE}")


def portal_home(*, user, organisation: Organisation, today: datetime.date | None = None) -> PortalHome:
    """Everything pending for ``organisation`` as its representative ``user`` sees it."""
    today = today or timezone.localdate()
    home = PortalHome(
        organisation=organisation,
        expiring_profiles=list(selectors.profiles_expiring(organisation, today=today, within_days=EXPIRY_DAYS)),
        own_contact=selectors.own_contact(organisation, user),
        # The user's, whichever organisation they are for: deciding them is the user's own task.
        join_requests=list(selectors.join_requests_to_decide(user)),
    )
    for module in _contributions():
        if hasattr(module, "fill"):
            module.fill(home, user=user, organisation=organisation, today=today)
        if hasattr(module, "applications"):
            home.applications.extend(module.applications(organisation, today=today, recent_days=RECENT_DECISION_DAYS))
        if hasattr(module, "deadlines"):
            home.deadlines.extend(
                module.deadlines(organisation, today=today, until=today + datetime.timedelta(days=DEADLINE_DAYS))
            )
    # Undecided first, then by the event's date (the nearest first); a deadline by its date.
    far = datetime.date.max
    home.applications.sort(key=lambda a: (not a.is_open, a.event_date or far, a.kind, a.title))
    home.deadlines.sort(key=lambda d: (d.deadline, d.kind, d.title))
    return home
