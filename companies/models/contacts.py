"""Contact persons at organisations and their consents. Personal data: see
companies.services.contacts for how persons are removed and consents withdrawn."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.choices import ConsentPurpose, ConsentSource
from companies.models.organisations import Organisation
from wfs_portal.choices import Language
from wfs_portal.constraints import not_before, one_per
from wfs_portal.fields import PhoneNumberField
from wfs_portal.models import TimeStampedModel, user_reference


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
        permissions = [
            ("import_contact", _("Can import contact persons and their consents from a spreadsheet")),
            ("merge_contact", _("Can merge duplicate contact persons")),
        ]
        constraints = [
            one_per(
                ["organisation"],
                _("This organisation already has a primary contact."),
                name="one_primary_per_organisation",
                condition=Q(is_primary=True),
            ),
            one_per(
                ["organisation", "email"],
                _("A contact with this e-mail address already exists at this organisation."),
                name="unique_email_per_organisation",
                condition=~Q(email=""),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)


def contact_person_field(verbose_name=None) -> models.ForeignKey:
    """The contact person a registration, participation or request names: one of its organisation's
    own (see names_another_organisations_contact), and nobody once the person is deleted."""
    return models.ForeignKey(
        Contact,
        verbose_name=_("contact person") if verbose_name is None else verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


def names_another_organisations_contact(record) -> bool:
    """Whether ``record`` (a registration, participation or request with the fields ``organisation``
    and ``contact``) names a contact person of another organisation than its own."""
    return bool(
        record.contact_id and record.organisation_id and record.contact.organisation_id != record.organisation_id
    )


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
    recorded_by = user_reference(_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["contact", "purpose", "-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            one_per(
                ["contact", "purpose"],
                _("This person already has an active consent for this purpose."),
                name="one_active_per_purpose",
                condition=Q(withdrawn_at__isnull=True),
            ),
            not_before(
                "withdrawn_at",
                "given_at",
                _("A consent cannot be withdrawn before it was given."),
                name="withdrawn_after_given",
                unless_empty=("withdrawn_at",),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} – {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
