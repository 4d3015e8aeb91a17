"""Company users of the demo: a handful of demo organisations get an administrator who can log in
to the portal, so that an introduction request reaches somebody and a newcomer can walk the portal
as a company does.

Two of them represent companies that have each other high in their partner lists, so either can ask
for an introduction and the other accept it; one represents an exhibitor on a joint booth of the
coming year's programme, one a research institute in a project workshop (and reads the e-mails in
English). They are chosen after the match computation (the pair comes from the active generation)
and only when the person does not exist yet: a later run leaves them, and what staff changed about
them, as it is. Their addresses are in the reserved domain ``.example`` (RFC 2606), so nothing sent
to them reaches anybody; ``manage.py ensure_demo_superuser`` gives them a password and prints it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from companies.choices import RepresentationState, RepresentativeRole, VerificationState
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.models.representatives import Representative
from companies.services.contacts import CONSENT_TEXTS
from fairs.models import BoothRegistration
from matchmaking.models.matches import Match
from matchmaking.selectors import active_generation_id
from notifications.models import UserPreference
from projects.models import WorkshopParticipant
from wfs_portal.choices import EventState, RegistrationState
from wfs_portal.demo import catalogue as cat

EMAIL_DOMAIN = "demo.example"


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    last_name: str
    position: str
    phone: str  # in the international format phonenumbers writes, so that normalising keeps it
    language: str
    role: str  # which organisation they get: "match", "exhibitor", "institute"
    local_part: str  # of the e-mail address, which is also the login

    @property
    def email(self) -> str:
        return f"{self.local_part}@{EMAIL_DOMAIN}"


PEOPLE = (
    DemoPerson("Katrin", "Sommer", "Geschäftsführerin", "+49 351 4862317", "de", "match", "katrin.sommer"),
    DemoPerson("Jens", "Richter", "Leitung Vertrieb", "+49 341 9612480", "de", "match", "jens.richter"),
    DemoPerson("Anja", "Fiedler", "Leitung Export", "+49 371 5338214", "de", "exhibitor", "anja.fiedler"),
    DemoPerson("Daniel", "Köhler", "Business Development", "+49 351 8427153", "en", "institute", "daniel.koehler"),
)


def demo_users():
    """The demo's company users that exist, in the order of PEOPLE."""
    emails = [person.email for person in PEOPLE]
    users = {user.email: user for user in get_user_model().objects.filter(email__in=emails)}
    return [users[email] for email in emails if email in users]


def _unrepresented(queryset):
    """Organisations nobody represents yet: a demo person never joins a real user's organisation."""
    return queryset.exclude(Exists(Representative.objects.filter(organisation=OuterRef("pk"))))


def _matched_pair(candidates: set[int]) -> list[Organisation]:
    """Two verified companies among ``candidates`` that have each other in their partner lists (the
    active generation). Pairs from different NACE divisions come first (the agency's thesis: the
    promising partner is in another sector), then the best places in each other's list, then the
    best scores."""
    generation = active_generation_id()
    if generation is None:
        return []
    rows = Match.objects.filter(
        generation_id=generation, organisation_id__in=candidates, partner_id__in=candidates
    ).values_list("organisation_id", "partner_id", "rank", "score")
    places = {(a, b): (rank, score) for a, b, rank, score in rows}
    divisions: dict[int, set[str]] = {}
    for pk, code in Organisation.sectors.through.objects.filter(organisation_id__in=candidates).values_list(
        "organisation_id", "sector__code"
    ):
        divisions.setdefault(pk, set()).add(code[:2])
    pairs = [
        (
            bool(divisions.get(a, set()) & divisions.get(b, set())),
            places[a, b][0] + places[b, a][0],
            -(places[a, b][1] + places[b, a][1]),
            a,
            b,
        )
        for a, b in places
        if a < b and (b, a) in places
    ]
    if not pairs:
        return []
    *_, a, b = min(pairs)
    return list(Organisation.objects.filter(pk__in=(a, b)).order_by("name"))


def _exhibitor(candidates: set[int]) -> Organisation | None:
    """A company with a confirmed place on a joint booth that is open for registration: the one of
    the earliest such fair, by name."""
    registration = (
        BoothRegistration.objects.filter(
            organisation_id__in=candidates, state=RegistrationState.CONFIRMED, booth__state=EventState.OPEN
        )
        .select_related("organisation")
        .order_by("booth__fair__start_date", "organisation__name")
        .first()
    )
    return registration.organisation if registration else None


def _institute(candidates: set[int]) -> Organisation | None:
    """A research institute taking part in a project workshop, by name."""
    taking_part = WorkshopParticipant.objects.filter(organisation=OuterRef("pk"))
    return (
        Organisation.objects.filter(pk__in=candidates, kind="research")
        .filter(Exists(taking_part))
        .order_by("name")
        .first()
    )


def load_representatives(world) -> None:
    """Create the demo persons that do not exist yet, each the approved administrator of a demo
    organisation (chosen as the module docstring says), with a verified e-mail address, no usable
    password (ensure_demo_superuser sets one) and a contact person record of theirs who consented to
    introductions, so an accepted introduction shows them to the other side. ``world``: the loaded
    DemoWorld, whose ``ensure`` writes and counts the records."""
    missing = [person for person in PEOPLE if not get_user_model().objects.filter(email=person.email).exists()]
    if not missing:
        return
    # Generated organisations only: nobody is invented at the real institutions the demo names.
    named = {row[0] for row in cat.NAMED_ORGANISATIONS}
    demo_ids = {org.pk for name, org in world.orgs.items() if name not in named}
    eligible = _unrepresented(
        Organisation.objects.filter(
            pk__in=demo_ids, verification_state=VerificationState.VERIFIED, matchmaking_opt_out=False
        )
    )
    companies = set(eligible.filter(kind="company", country="DE").values_list("pk", flat=True))
    chosen: dict[str, list[Organisation]] = {
        "match": _matched_pair(companies) if sum(p.role == "match" for p in missing) == 2 else [],
    }
    taken = {org.pk for org in chosen["match"]}
    exhibitor = _exhibitor(companies - taken)
    chosen["exhibitor"] = [exhibitor] if exhibitor else []
    institute = _institute(set(eligible.values_list("pk", flat=True)) - taken)
    chosen["institute"] = [institute] if institute else []
    now = timezone.now()
    with transaction.atomic():
        for person in missing:
            if not chosen[person.role]:
                continue  # e.g. no active generation to find a matched pair in: the next run tries again
            _person(world, person, chosen[person.role].pop(0), now)


def _person(world, person: DemoPerson, organisation: Organisation, now: datetime.datetime) -> None:
    User = get_user_model()
    user = User(
        username=person.email,
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    user.set_unusable_password()
    user.save()
    world.created["auth.User"] += 1
    world.ensure(EmailAddress, {"user": user, "email": person.email}, {"verified": True, "primary": True})
    world.ensure(UserPreference, {"user": user}, {"language": person.language})
    world.ensure(
        Representative,
        {"user": user, "organisation": organisation},
        {
            "role": RepresentativeRole.ADMINISTRATOR,
            "state": RepresentationState.APPROVED,
            "decided_at": now,
            "decided_by": world.staff[0],
        },
    )
    contact = world.ensure(
        Contact,
        {"organisation": organisation, "email": person.email},
        {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "position": person.position,
            "phone": person.phone,
            "language": person.language,
        },
    )
    for purpose in ("matchmaking", "partner_sharing"):
        world.ensure(
            ConsentRecord,
            {"contact": contact, "purpose": purpose},
            # Given by the user in the portal, in the wording in force.
            {
                "given_at": now,
                "text_version": CONSENT_TEXTS[purpose].version,
                "source": "portal",
                "recorded_by": user,
            },
        )
