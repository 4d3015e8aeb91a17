"""Organisations: companies, research institutes, universities, clinics, networks, public bodies
and foreign investors."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from companies.choices import EmployeeBand, LegalForm, OrganisationKind, VerificationState
from companies.models.classifications import Sector, TechnologyField
from wfs_portal.choices import District
from wfs_portal.constraints import filled_when, one_per
from wfs_portal.fields import BoundedTextField, PhoneNumberField, VatIdField
from wfs_portal.models import TimeStampedModel, localised_property, user_reference

# The fields of an organisation's directory entry, in the order every list of them follows (the
# API's columns, the import's, the merge page's rows, the portal's form): who it is, how to reach
# it, its size, where it is and what it does.
ENTRY_FIELDS = (
    "name",
    "kind",
    "legal_form",
    "register_court",
    "register_number",
    "vat_id",
    "website",
    "email",
    "phone",
    "founded",
    "employee_band",
    "street",
    "postal_code",
    "city",
    "district",
    "country",
    "description_de",
    "description_en",
)
# Those that say which legal entity the record is: staff verify them.
IDENTITY_FIELDS = ("name", "legal_form", "register_court", "register_number", "vat_id")


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
    verified_by = user_reference(_("verified by"))
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
        permissions = [
            ("import_organisation", _("Can import organisations from a spreadsheet")),
            ("merge_organisation", _("Can merge duplicate organisations")),
        ]
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
            filled_when(
                Q(verification_state=VerificationState.VERIFIED),
                ["verified_at"],
                _("A verified organisation needs the date of its verification."),
                name="verified_has_date",
            ),
            # A VAT ID and a commercial register entry each identify one legal entity: a second
            # record with the same one is a duplicate (self-registration is where they arise).
            one_per(
                ["vat_id"],
                _("An organisation with this VAT ID already exists."),
                name="unique_vat_id",
                condition=~Q(vat_id=""),
            ),
            one_per(
                ["register_court", "register_number"],
                _("An organisation with this register court and number already exists."),
                name="unique_register_entry",
                condition=~Q(register_number=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    description = localised_property("description")

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
