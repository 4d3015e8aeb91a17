"""Organisations and what the agency knows about them: sectors, technology fields, clusters,
contact persons with their consents, and partnering profiles (offers and requests)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from companies.choices import (
    ClusterRole,
    ConsentPurpose,
    ConsentSource,
    DevelopmentStage,
    EmployeeBand,
    LegalForm,
    OrganisationKind,
    ProfileState,
    ProfileType,
    VerificationState,
)
from wfs_portal.choices import District, Language
from wfs_portal.fields import BoundedTextField, PhoneNumberField, VatIdField
from wfs_portal.models import TimeStampedModel, localised


class Sector(models.Model):
    """A class of the economic activity classification NACE Rev. 2 (German edition: WZ 2008).

    Four levels: section (letter, e.g. ``C``), division (``26``), group (``26.6``) and class
    (``26.60``). Loaded by a data migration from ``companies/data/nace_rev2.csv``."""

    class Level(models.IntegerChoices):
        SECTION = 1, _("Section")
        DIVISION = 2, _("Division")
        GROUP = 3, _("Group")
        CLASS = 4, _("Class")

    code = models.CharField(_("code"), max_length=8, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name_de = models.CharField(_("name (German)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    # The classification's own order (A, 01, 01.1, 01.11, …): sorting by code would put the
    # divisions before their section letters.
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="%(app_label)s_%(class)s_parent_matches_level",
                violation_error_message=_("A section has no parent; every other level needs one."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localised(self, "name")

    @property
    def section(self) -> "Sector":
        node = self
        while node.parent_id is not None:
            node = node.parent
        return node


class TechnologyField(TimeStampedModel):
    """A cross-cutting technology field (Querschnittstechnologie), e.g. Robotik und Automatisierung."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=150, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=150, unique=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name_de"]
        verbose_name = _("technology field")
        verbose_name_plural = _("technology fields")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self, "name")


class Organisation(TimeStampedModel):
    """A company, research institute, university, clinic, network, public body or foreign investor.

    Self-registered organisations are visible to others only after staff verified them."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices, blank=True)
    register_court = models.CharField(
        _("register court"), max_length=100, blank=True, help_text=_("e.g. Amtsgericht Leipzig")
    )
    register_number = models.CharField(_("register number"), max_length=40, blank=True, help_text=_("e.g. HRB 12345"))
    vat_id = VatIdField(_("VAT ID"), max_length=14, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("general e-mail"), blank=True)
    phone = PhoneNumberField(_("general phone"), max_length=30, blank=True)
    founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    employee_band = models.CharField(_("employees"), max_length=10, choices=EmployeeBand.choices, blank=True)

    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100)
    district = models.CharField(
        _("district"),
        max_length=40,
        choices=District.choices,
        blank=True,
        help_text=_("Saxon district or district-free city; empty outside Saxony."),
    )
    country = CountryField(_("country"), default="DE")

    description_de = BoundedTextField(_("description (German)"), max_length=5000, blank=True)
    description_en = BoundedTextField(_("description (English)"), max_length=5000, blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="organisations")
    technology_fields = models.ManyToManyField(
        TechnologyField, verbose_name=_("technology fields"), blank=True, related_name="organisations"
    )
    # Written only by companies.services.organisation_logo_set, which re-encodes the upload and
    # names the file itself; served by the portal's logo view, never straight from MEDIA_ROOT.
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, max_length=200)

    verification_state = models.CharField(
        _("verification"),
        max_length=20,
        choices=VerificationState.choices,
        default=VerificationState.SELF_REGISTERED,
        db_index=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    corporate_group = models.CharField(
        _("corporate group"),
        max_length=200,
        blank=True,
        help_text=_("Name of the group the organisation belongs to; members of one group are not matched."),
    )
    matchmaking_opt_out = models.BooleanField(
        _("opted out of matchmaking"),
        default=False,
        help_text=_("Never propose this organisation to others as a partner."),
    )
    history = HistoricalRecords(m2m_fields=[sectors, technology_fields])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(district="") | Q(country="DE"),
                name="%(app_label)s_%(class)s_district_only_in_germany",
                violation_error_message=_("A Saxon district can only be set for an address in Germany."),
            ),
            models.CheckConstraint(
                condition=Q(founded__isnull=True) | Q(founded__gte=1000),
                name="%(app_label)s_%(class)s_founded_plausible",
                violation_error_message=_("The year founded must be 1000 or later."),
            ),
            models.CheckConstraint(
                condition=~Q(verification_state=VerificationState.VERIFIED) | Q(verified_at__isnull=False),
                name="%(app_label)s_%(class)s_verified_has_date",
                violation_error_message=_("A verified organisation needs the date of its verification."),
            ),
            # A VAT ID and a commercial register entry each identify one legal entity: a second
            # record with the same one is a duplicate (self-registration is where they arise).
            models.UniqueConstraint(
                fields=["vat_id"],
                condition=~Q(vat_id=""),
                name="%(app_label)s_%(class)s_unique_vat_id",
                violation_error_message=_("An organisation with this VAT ID already exists."),
            ),
            models.UniqueConstraint(
                fields=["register_court", "register_number"],
                condition=~Q(register_number=""),
                name="%(app_label)s_%(class)s_unique_register_entry",
                violation_error_message=_("An organisation with this register court and number already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        return localised(self, "description")

    @property
    def is_verified(self) -> bool:
        return self.verification_state == VerificationState.VERIFIED

    def clean(self):
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        errors = {}
        if (
            self.country == "DE"
            and self.postal_code
            and not (len(self.postal_code) == 5 and self.postal_code.isdigit())
        ):
            errors["postal_code"] = _("A German postal code has five digits.")
        if self.founded and self.founded > timezone.localdate().year:
            errors["founded"] = _("The year founded cannot lie in the future.")
        if errors:
            raise ValidationError(errors)


class Cluster(TimeStampedModel):
    """A cluster, sector network or industry association (e.g. biosaxony) and its members."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    managing_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("managing organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_clusters",
        help_text=_("The association or company that runs the cluster."),
    )
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="clusters")
    technology_fields = models.ManyToManyField(
        TechnologyField, verbose_name=_("technology fields"), blank=True, related_name="clusters"
    )
    members = models.ManyToManyField(
        Organisation, through="ClusterMembership", related_name="clusters", verbose_name=_("members")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        return localised(self, "description")


class ClusterMembership(TimeStampedModel):
    """An organisation's membership in a cluster or network."""

    @staticmethod
    def current_q(prefix: str = "", on=None) -> Q:
        """The condition of a membership that is current on a day (today by default): not ended
        before it. ``prefix`` reaches memberships through a relation, e.g. "cluster_memberships__"."""
        on = on or timezone.localdate()
        return Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": on})

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="cluster_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=ClusterRole.choices, default=ClusterRole.MEMBER)
    since = models.DateField(_("member since"), null=True, blank=True)
    until = models.DateField(_("member until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["cluster", "organisation"]
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "organisation"],
                name="%(app_label)s_%(class)s_unique_member",
                violation_error_message=_("This organisation is already a member of this cluster."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=models.F("since")),
                name="%(app_label)s_%(class)s_until_after_since",
                violation_error_message=_("A membership cannot end before it began."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.cluster}"


class Contact(TimeStampedModel):
    """A person at an organisation. Personal data: shared only as the person's consents allow."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="contacts"
    )
    title = models.CharField(_("academic title"), max_length=40, blank=True, help_text=_("e.g. Dr., Prof. Dr."))
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    position = models.CharField(_("position"), max_length=150, blank=True, help_text=_("e.g. Head of Sales"))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.GERMAN)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # Set when the organisation removed a person who still has a consent history or is named on a
    # registration: the row stays (anonymised) so those records keep their link and every count
    # stays as it was; removed persons are shown nowhere.
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "last_name", "first_name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_primary=True),
                name="%(app_label)s_%(class)s_one_primary_per_organisation",
                violation_error_message=_("This organisation already has a primary contact."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=~Q(email=""),
                name="%(app_label)s_%(class)s_unique_email_per_organisation",
                violation_error_message=_("A contact with this e-mail address already exists at this organisation."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)


class ConsentRecord(TimeStampedModel):
    """A contact person's consent to one purpose: when, in which wording and how it was given, and
    when it was withdrawn. Records are never deleted, so the history of consent stays provable."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact person"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    given_at = models.DateTimeField(_("given at"))
    text_version = models.CharField(
        _("text version"), max_length=40, help_text=_("Version of the consent text the person agreed to.")
    )
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["contact", "purpose", "-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="%(app_label)s_%(class)s_one_active_per_purpose",
                violation_error_message=_("This person already has an active consent for this purpose."),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="%(app_label)s_%(class)s_withdrawn_after_given",
                violation_error_message=_("A consent cannot be withdrawn before it was given."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} – {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class PartneringProfile(TimeStampedModel):
    """What an organisation offers or looks for (the Enterprise Europe Network's profile types),
    in German and/or English. Published profiles feed the matchmaking."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="partnering_profiles"
    )
    type = models.CharField(_("type"), max_length=20, choices=ProfileType.choices)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_de = BoundedTextField(_("summary (German)"), max_length=2000, blank=True)
    summary_en = BoundedTextField(_("summary (English)"), max_length=2000, blank=True)
    keywords_de = models.CharField(_("keywords (German)"), max_length=500, blank=True, help_text=_("Comma-separated."))
    keywords_en = models.CharField(_("keywords (English)"), max_length=500, blank=True, help_text=_("Comma-separated."))
    partner_sought_de = BoundedTextField(_("partner sought (German)"), max_length=2000, blank=True)
    partner_sought_en = BoundedTextField(_("partner sought (English)"), max_length=2000, blank=True)
    technology_fields = models.ManyToManyField(
        TechnologyField, verbose_name=_("technology fields"), blank=True, related_name="partnering_profiles"
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="partnering_profiles")
    target_countries = CountryField(_("target countries"), multiple=True, blank=True)
    stage = models.CharField(_("stage of development"), max_length=20, choices=DevelopmentStage.choices, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ProfileState.choices, default=ProfileState.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The 'valid until' date the renewal reminder went out for: one reminder per validity period,
    # and a renewal (a new date) makes the profile due for the next one.
    renewal_reminder_sent_for = models.DateField(_("renewal reminder sent for"), null=True, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[technology_fields, sectors])

    class Meta:
        ordering = ["organisation", "-created"]
        verbose_name = _("partnering profile")
        verbose_name_plural = _("partnering profiles")
        indexes = [models.Index(fields=["state", "valid_until"], name="companies_profile_state_valid")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_de="", title_en=""),
                name="%(app_label)s_%(class)s_has_title",
                violation_error_message=_("Give the profile a title in German or English."),
            ),
            models.CheckConstraint(
                condition=~Q(state=ProfileState.PUBLISHED) | Q(valid_until__isnull=False, published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_dates",
                violation_error_message=_("A published profile needs a publication date and a 'valid until' date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.title}"

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def summary(self) -> str:
        return localised(self, "summary")

    @property
    def language(self) -> str:
        """The profile's main language: the one its title is written in (German if both)."""
        return "de" if self.title_de else "en"

    @staticmethod
    def split_keywords(value: str) -> list[str]:
        return [word.strip() for word in value.split(",") if word.strip()]
