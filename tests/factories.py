"""factory_boy factories for every model the suite touches, including the third-party models the admin
registers (users, groups, Celery beat schedules), so that a generic admin test finds one per model.

Every factory builds an object that passes ``full_clean()``. Reference data loaded by migrations
(NACE sectors, the six technology fields) is fetched, not created: a test must not invent a sector
that the classification does not have."""

import datetime
import functools
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from companies.choices import (
    ClusterRole,
    ConsentPurpose,
    ConsentSource,
    EmployeeBand,
    LegalForm,
    OrganisationKind,
    ProfileState,
    ProfileType,
    RepresentationState,
    RepresentativeRole,
    VerificationState,
)
from companies.models.api_keys import PartnerApiKey
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative
from delegations.choices import Direction, ParticipantRole
from delegations.models import Delegation, DelegationParticipant, ProgrammeItem
from fairs.models import BoothRegistration, JointBooth, TradeFair
from matchmaking.choices import ExclusionKind, FeedbackVerdict, GenerationState, OverrideAction
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import ComplementaryDivisions, Match, MatchExclusion, MatchFeedback, MatchOverride
from projects.choices import (
    FigureProvenance,
    InvestmentKind,
    InvestmentStage,
    MilestoneKind,
    WorkshopRole,
    WorkshopState,
)
from projects.models import (
    InvestmentMilestone,
    InvestmentProject,
    Workshop,
    WorkshopParticipant,
    WorkshopSession,
)
from reports import kpis
from wfs_portal.choices import District, EventState, RegistrationState

# German data by default: the agency's records are mostly German (names with umlauts, Saxon cities).
GermanFaker = functools.partial(factory.Faker, locale="de_DE")

# NACE classes that the agency's work touches (electromedical equipment, R&D, hospitals, logistics,
# machinery, software). Factories pick from these; the rows themselves come from the migration.
SECTOR_CODES = ["26.60", "72.19", "86.10", "52.29", "28.99", "62.01"]
TECHNOLOGY_FIELD_SLUGS = [
    "medizin-biotechnologie",
    "ikt",
    "robotik-automatisierung",
    "mikroelektronik-sensorik",
    "werkstoffe-leichtbau",
    "logistik",
]


def _future(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _local_datetime(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


# --- Django and third-party models registered in the admin ---------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = GermanFaker("first_name")
    last_name = GermanFaker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@wfs.example")
    # Unusable: tests log in with force_login, and hashing a real password costs a third of a second.
    password = factory.LazyFunction(lambda: make_password(None))


class EmailAddressFactory(factory.django.DjangoModelFactory):
    """A verified primary e-mail address (allauth's record of what the user confirmed)."""

    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email)
    verified = True
    primary = True


class CompanyUserFactory(UserFactory):
    """A company user who signed up in the portal and confirmed their e-mail address."""

    username = factory.Sequence(lambda n: f"company-user{n}")
    email = factory.Sequence(lambda n: f"nutzer{n}@firma.example.de")
    email_address = factory.RelatedFactory(
        EmailAddressFactory, factory_related_name="user", email=factory.SelfAttribute("..email")
    )


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A TOTP authenticator (two-factor authentication) with a fixed base32 secret."""

    class Meta:
        model = Authenticator

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(lambda: {"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"})


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Gruppe {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    """A second Site (django.contrib.sites); the portal's own is made by a migration."""

    class Meta:
        model = Site

    domain = factory.Sequence(lambda n: f"site-{n}.example")
    name = factory.Sequence(lambda n: f"Site {n}")


class IntervalScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervalSchedule

    every = factory.Sequence(lambda n: n + 1)
    period = IntervalSchedule.HOURS


class CrontabScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrontabSchedule

    minute = factory.Sequence(lambda n: str(n % 60))
    hour = "3"
    day_of_week = "*"
    day_of_month = "*"
    month_of_year = "*"


class SolarScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SolarSchedule

    event = "sunrise"
    # Dresden, moved a little per object: (event, latitude, longitude) is unique.
    latitude = factory.Sequence(lambda n: Decimal("51.050000") + Decimal(n % 1000) / 1000)
    longitude = Decimal("13.737000")


class ClockedScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClockedSchedule

    clocked_time = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))


class PeriodicTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodicTask

    name = factory.Sequence(lambda n: f"periodic task {n}")
    task = "companies.tasks.partnering_profiles_expire"
    interval = factory.SubFactory(IntervalScheduleFactory)


# --- companies --------------------------------------------------------------------------------


class SectorFactory(factory.django.DjangoModelFactory):
    """Fetches a NACE class loaded by the data migration; never creates one.
    ``SectorFactory(code="26.60")`` is ``Sector.objects.get(code="26.60")``."""

    class Meta:
        model = Sector

    code = factory.Iterator(SECTOR_CODES)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.get(code=kwargs["code"])


class TechnologyFieldFactory(factory.django.DjangoModelFactory):
    """One of the six migrated fields (fetched by slug); ``TechnologyFieldFactory(new=True)`` or an
    unknown slug creates a new field with unique names."""

    class Meta:
        model = TechnologyField
        django_get_or_create = ("slug",)

    class Params:
        new = factory.Trait(slug=factory.Sequence(lambda n: f"technologiefeld-{n}"))

    slug = factory.Iterator(TECHNOLOGY_FIELD_SLUGS)
    name_de = factory.Sequence(lambda n: f"Technologiefeld {n}")
    name_en = factory.Sequence(lambda n: f"Technology field {n}")
    description_de = GermanFaker("sentence")


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A verified company in Saxony. ``self_registered=True`` gives one awaiting verification,
    ``rejected=True`` a rejected self-registration, ``abroad=True`` a foreign investor."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    class Params:
        self_registered = factory.Trait(
            verification_state=VerificationState.SELF_REGISTERED, verified_at=None, verified_by=None
        )
        rejected = factory.Trait(
            verification_state=VerificationState.REJECTED,
            verified_at=None,
            verified_by=None,
            rejection_reason="Keine Geschäftstätigkeit in Sachsen.",
        )
        abroad = factory.Trait(
            kind=OrganisationKind.INVESTOR,
            legal_form=LegalForm.FOREIGN,
            country="US",
            district="",
            postal_code="94105",
            city="San Francisco",
        )

    name = GermanFaker("company")
    kind = OrganisationKind.COMPANY
    legal_form = LegalForm.GMBH
    website = factory.Sequence(lambda n: f"https://firma{n}.example.de")
    email = factory.Sequence(lambda n: f"info@firma{n}.example.de")
    phone = factory.Sequence(lambda n: f"+49 351 {n:06d}")
    founded = factory.Faker("random_int", min=1950, max=2020)
    employee_band = EmployeeBand.SMALL
    street = GermanFaker("street_address")
    postal_code = factory.Sequence(lambda n: f"{1000 + n % 8000:05d}")
    city = "Dresden"
    district = District.DRESDEN
    country = "DE"
    description_de = GermanFaker("paragraph")
    verification_state = VerificationState.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def technology_fields(self, create, extracted, **kwargs):
        if create and extracted:
            self.technology_fields.set(extracted)


class RepresentativeFactory(factory.django.DjangoModelFactory):
    """An approved representative (editor); ``administrator=True`` one who decides join requests,
    ``requested=True`` an open join request, ``declined=True`` a declined one."""

    class Meta:
        model = Representative

    class Params:
        administrator = factory.Trait(role=RepresentativeRole.ADMINISTRATOR)
        requested = factory.Trait(state=RepresentationState.REQUESTED, decided_at=None)
        declined = factory.Trait(state=RepresentationState.DECLINED)

    user = factory.SubFactory(CompanyUserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = RepresentativeRole.EDITOR
    state = RepresentationState.APPROVED
    decided_at = factory.LazyFunction(timezone.now)


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"Branchennetzwerk {n}")
    acronym = factory.Sequence(lambda n: f"BN{n}")
    description_de = GermanFaker("paragraph")
    website = factory.Sequence(lambda n: f"https://netzwerk{n}.example.de")


class ClusterMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterMembership

    cluster = factory.SubFactory(ClusterFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = ClusterRole.MEMBER
    since = datetime.date(2020, 1, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = GermanFaker("first_name")
    last_name = GermanFaker("last_name")
    position = "Geschäftsführung"
    email = factory.Sequence(lambda n: f"person{n}@firma.example.de")
    phone = factory.Sequence(lambda n: f"+49 341 {n:06d}")


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    contact = factory.SubFactory(ContactFactory)
    purpose = ConsentPurpose.MATCHMAKING
    given_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=30))
    text_version = "2024-01"
    source = ConsentSource.PORTAL


class PartneringProfileFactory(factory.django.DjangoModelFactory):
    """A draft profile; ``published=True`` gives a published one valid for another 90 days."""

    class Meta:
        model = PartneringProfile
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            state=ProfileState.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10)),
            valid_until=factory.LazyFunction(lambda: _future(90)),
        )

    organisation = factory.SubFactory(OrganisationFactory)
    type = ProfileType.TECHNOLOGY_OFFER
    title_de = factory.Sequence(lambda n: f"Kühlkettenlogistik für klinische Proben {n}")
    summary_de = GermanFaker("paragraph")
    keywords_de = "Logistik, Kühlkette, Klinik"
    state = ProfileState.DRAFT


# --- projects ---------------------------------------------------------------------------------


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    title_de = factory.Sequence(lambda n: f"Projektwerkstatt Krankenhauslogistik {n}")
    title_en = factory.Sequence(lambda n: f"Project workshop hospital logistics {n}")
    topic = "Krankenhauslogistik"
    state = WorkshopState.ACTIVE


class WorkshopSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopSession

    workshop = factory.SubFactory(WorkshopFactory)
    starts_at = factory.LazyFunction(lambda: _local_datetime(_future(14), 10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    place = "Dresden, Bertolt-Brecht-Allee 22"


class WorkshopParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkshopParticipant

    workshop = factory.SubFactory(WorkshopFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = WorkshopRole.COMPANY
    joined = datetime.date(2024, 3, 1)


class InvestmentProjectFactory(factory.django.DjangoModelFactory):
    """An open lead; ``production_started=True`` gives one accompanied until production started."""

    class Meta:
        model = InvestmentProject

    class Params:
        production_started = factory.Trait(
            stage=InvestmentStage.PRODUCTION_STARTED,
            decision_date=datetime.date(2023, 6, 1),
            production_start_date=datetime.date(2024, 5, 15),
        )

    title = "Europäische Zentrale"
    code_name = factory.Sequence(lambda n: f"Projekt Helix {n}")
    investor = factory.SubFactory(OrganisationFactory, abroad=True)
    kind = InvestmentKind.NEW_SETTLEMENT
    stage = InvestmentStage.LEAD
    site_district = District.LEIPZIG_CITY
    site_municipality = "Leipzig"
    investment_volume_eur = Decimal("1000000.00")
    figure_provenance = FigureProvenance.CONFIRMED
    new_jobs = 50
    secured_jobs = 0
    first_contact_date = datetime.date(2023, 1, 10)


class InvestmentMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestmentMilestone

    project = factory.SubFactory(InvestmentProjectFactory)
    date = datetime.date(2023, 2, 1)
    kind = MilestoneKind.SITE_VISIT
    note = "Besichtigung des Gewerbegebiets"


# --- fairs ------------------------------------------------------------------------------------


class TradeFairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TradeFair

    name = factory.Sequence(lambda n: f"Arab Health {n}")
    city = "Dubai"
    country = "AE"
    start_date = factory.LazyFunction(lambda: _future(120))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=3))
    programme_year = factory.LazyAttribute(lambda o: o.start_date.year)
    website = "https://www.arabhealthonline.com"


class JointBoothFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointBooth

    fair = factory.SubFactory(TradeFairFactory)
    title = "Sachsen live"
    hall = "Z1"
    stand = factory.Sequence(lambda n: f"A{n}")
    total_area_m2 = Decimal("100.00")
    capacity = 8
    fee_per_m2_with_construction = Decimal("250.00")
    fee_per_m2_without_construction = Decimal("150.00")
    registration_deadline = factory.LazyAttribute(lambda o: o.fair.start_date - datetime.timedelta(days=60))
    state = EventState.OPEN


class BoothRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoothRegistration

    booth = factory.SubFactory(JointBoothFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    contact = factory.SubFactory(ContactFactory, organisation=factory.SelfAttribute("..organisation"))
    requested_area_m2 = Decimal("12.00")
    products = "Sensoren für die Medizintechnik"
    state = RegistrationState.APPLIED


# --- delegations ------------------------------------------------------------------------------


class DelegationFactory(factory.django.DjangoModelFactory):
    """An outbound trip without a place limit (``capacity=None``)."""

    class Meta:
        model = Delegation

    direction = Direction.OUTBOUND
    title = factory.Sequence(lambda n: f"Unternehmerreise Vietnam {n}")
    countries = ["VN"]
    cities = "Hanoi, Ho-Chi-Minh-Stadt"
    start_date = factory.LazyFunction(lambda: _future(60))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=4))
    theme = "Medizintechnik"
    capacity = None
    registration_deadline = factory.LazyAttribute(lambda o: o.start_date - datetime.timedelta(days=21))
    state = EventState.OPEN


class DelegationParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DelegationParticipant

    delegation = factory.SubFactory(DelegationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    contact = factory.SubFactory(ContactFactory, organisation=factory.SelfAttribute("..organisation"))
    role = ParticipantRole.PARTICIPANT
    state = RegistrationState.APPLIED


class ProgrammeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeItem

    delegation = factory.SubFactory(DelegationFactory)
    starts_at = factory.LazyAttribute(lambda o: _local_datetime(o.delegation.start_date, 10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    title = "Besuch eines Krankenhauses"
    place = "Hanoi"


# --- matchmaking ------------------------------------------------------------------------------


class MatchGenerationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchGeneration

    state = GenerationState.RETIRED
    organisations = 2
    chunks_total = 2
    chunks_done = 2


def _active_generation() -> MatchGeneration:
    """The one active generation (there may be only one)."""
    return MatchGeneration.objects.filter(state=GenerationState.ACTIVE).first() or MatchGenerationFactory(
        state=GenerationState.ACTIVE
    )


class MatchFactory(factory.django.DjangoModelFactory):
    """A match in the active generation (the one readers see)."""

    class Meta:
        model = Match

    generation = factory.LazyFunction(_active_generation)
    organisation = factory.SubFactory(OrganisationFactory)
    partner = factory.SubFactory(OrganisationFactory)
    rank = factory.Sequence(lambda n: n % 20)
    score = 0.6
    text = 0.7
    reason_flags = 1


class MatchOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchOverride

    organisation = factory.SubFactory(OrganisationFactory)
    partner = factory.SubFactory(OrganisationFactory)
    action = OverrideAction.PIN


class MatchFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchFeedback

    organisation = factory.SubFactory(OrganisationFactory)
    partner = factory.SubFactory(OrganisationFactory)
    verdict = FeedbackVerdict.INTERESTING


class MatchExclusionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatchExclusion

    kind = ExclusionKind.PAIR
    organisation = factory.SubFactory(OrganisationFactory)
    other = factory.SubFactory(OrganisationFactory)


class ContactRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactRequest

    requester = factory.SubFactory(OrganisationFactory)
    target = factory.SubFactory(OrganisationFactory)
    message = "Wir würden Sie gern kennenlernen."


class ComplementaryDivisionsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplementaryDivisions
        django_get_or_create = ("first", "second")

    first = factory.LazyFunction(lambda: Sector.objects.get(code="52"))
    second = factory.LazyFunction(lambda: Sector.objects.get(code="86"))


class PartnerApiKeyFactory(factory.django.DjangoModelFactory):
    """A partner's API key (hashed like a real one); the key itself is on ``obj.raw_key``."""

    class Meta:
        model = PartnerApiKey

    organisation = factory.SubFactory(
        OrganisationFactory, kind="network", name=factory.Sequence(lambda n: f"Cluster {n}")
    )
    name = factory.Sequence(lambda n: f"Key {n}")
    scopes = factory.LazyFunction(lambda: ["directory:read"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.raw_key = model_class.objects.assign_key(obj)
        obj.save()
        return obj


# --- reports ----------------------------------------------------------------------------------


class ReportFactory(factory.django.DjangoModelFactory):
    """A finished annual report of 2018 with the figures of an empty database."""

    class Meta:
        model = "reports.Report"

    kind = "annual"
    period_start = datetime.date(2018, 1, 1)
    period_end = datetime.date(2018, 12, 31)
    version = factory.Sequence(lambda n: n + 1)
    state = "done"
    progress = 100
    finished_at = factory.LazyFunction(timezone.now)
    figures = factory.LazyAttribute(lambda o: kpis.compute(start=o.period_start, end=o.period_end))


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    """An e-mail that failed for good (what staff look at in the admin)."""

    class Meta:
        model = "outbox.OutboxMessage"

    kind = "email"
    state = "dead"
    key = factory.Sequence(lambda n: f"test-message-{n}")
    recipient = factory.Sequence(lambda n: f"empfaenger{n}@firma.example.de")
    language = "de"
    subject = "Platz bestätigt: Gemeinschaftsstand auf der MEDICA"
    body = "Sehr geehrte Damen und Herren, …"
    attempts = 10
    last_error = "SMTPRecipientsRefused: {'x@firma.example.de': (550, b'No such user')}"


class StaffAlertFactory(factory.django.DjangoModelFactory):
    """The alert of one topic (the rows exist after migrate; this returns that one)."""

    class Meta:
        model = "notifications.StaffAlert"
        django_get_or_create = ("topic",)

    topic = "booth_application"
