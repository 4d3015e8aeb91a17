"""Trade fairs of the state fair programme, the agency's joint company booths at them and the
companies' registrations for a place on a booth."""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from companies.models.classifications import Sector
from companies.models.contacts import contact_person_field, names_another_organisations_contact
from companies.models.organisations import Organisation
from wfs_portal.choices import EventState, RegistrationState
from wfs_portal.constraints import not_before, not_negative, one_per
from wfs_portal.fields import BoundedTextField
from wfs_portal.l10n import format_decimal
from wfs_portal.models import TimeStampedModel, localised_property
from wfs_portal.registration_targets import (
    OpeningRule,
    RegistrationTarget,
    RegistrationTargetQuerySet,
    Requirement,
    deadline_not_passed,
)


class TradeFair(TimeStampedModel):
    """One edition of a trade fair, e.g. Arab Health 2019 in Dubai. Editions of the same fair share
    its name; an organisation's first booth at a fair is recognised by that."""

    name = models.CharField(_("name"), max_length=200, db_index=True, help_text=_("Without the year, e.g. Arab Health"))
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    programme_year = models.PositiveSmallIntegerField(
        _("fair programme year"), help_text=_("Year of the state's fair programme this edition belongs to.")
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="trade_fairs")
    website = models.URLField(_("website"), blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("trade fair")
        verbose_name_plural = _("trade fairs")
        constraints = [
            not_before("end_date", "start_date", _("A fair cannot end before it starts."), name="end_not_before_start"),
            one_per(
                ["name", "start_date"],
                _("This fair already has an edition starting on this day."),
                name="unique_edition",
            ),
            models.CheckConstraint(
                condition=Q(programme_year__gte=1990, programme_year__lte=2100),
                name="%(app_label)s_%(class)s_programme_year_plausible",
                violation_error_message=_("The fair programme year must lie between 1990 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start_date.year}"

    description = localised_property("description")


class JointBooth(RegistrationTarget, TimeStampedModel):
    """A joint company booth ("Sachsen-live" booth) the agency organises at a fair."""

    # Companies apply while staff keep the booth open, until its deadline (the day included).
    registration_rule = OpeningRule(
        Requirement(
            lambda today: Q(state=EventState.OPEN),
            lambda booth: gettext("This joint booth is not open for registration."),
        ),
        deadline_not_passed(),
    )

    fair = models.ForeignKey(TradeFair, verbose_name=_("trade fair"), on_delete=models.PROTECT, related_name="booths")
    title = models.CharField(_("title"), max_length=200, default="Sachsen live")
    hall = models.CharField(_("hall"), max_length=40, blank=True)
    stand = models.CharField(_("stand"), max_length=40, blank=True)
    total_area_m2 = models.DecimalField(_("total area (m²)"), max_digits=8, decimal_places=2)
    capacity = models.PositiveSmallIntegerField(_("places for co-exhibitors"))
    fee_per_m2_with_construction = models.DecimalField(
        _("fee per m² with stand construction (EUR)"), max_digits=10, decimal_places=2
    )
    fee_per_m2_without_construction = models.DecimalField(
        _("fee per m² without stand construction (EUR)"), max_digits=10, decimal_places=2
    )
    registration_deadline = models.DateField(_("registration deadline"))
    state = models.CharField(_("state"), max_length=20, choices=EventState.choices, default=EventState.PLANNED)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    objects = RegistrationTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-fair__start_date", "title"]
        verbose_name = _("joint booth")
        verbose_name_plural = _("joint booths")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_area_m2__gt=0),
                name="%(app_label)s_%(class)s_area_positive",
                violation_error_message=_("The booth area must be greater than zero."),
            ),
            not_negative(
                ["fee_per_m2_with_construction", "fee_per_m2_without_construction"],
                _("Fees cannot be negative."),
                name="fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} – {self.fair}"

    def clean(self):
        errors = {}
        # The fair, not fair_id: a booth entered inline while its fair is being added has no id yet.
        fair = getattr(self, "fair", None)  # None when unset (RelatedObjectDoesNotExist is an AttributeError)
        if fair and fair.start_date and self.registration_deadline and self.registration_deadline > fair.start_date:
            errors["registration_deadline"] = _("The deadline must not be after the fair's first day.")
        if self.pk and self.capacity is not None and self.total_area_m2 is not None:
            errors.update(self.capacity_errors())
        if errors:
            raise ValidationError(errors)

    def occupancy(self, *, excluding: int | None = None) -> tuple[int, Decimal]:
        """Confirmed places and confirmed area, leaving out the registration with pk ``excluding``."""
        confirmed = self.registrations.filter(state=RegistrationState.CONFIRMED).exclude(pk=excluding)
        totals = confirmed.aggregate(places=Count("pk"), area=Sum("requested_area_m2", default=Decimal(0)))
        return totals["places"], totals["area"]

    def capacity_errors(self, *, place: "BoothRegistration | None" = None) -> dict[str, str]:
        """The booth's capacity rule with its messages, by field: confirmed registrations take no
        more places and no more area than the booth has. Without ``place``: whether the confirmed
        registrations fit the booth as it is (staff reducing its places or area). With ``place``:
        whether that registration fits beside the other confirmed ones (an application, a
        confirmation, a confirmed place changed). Applications take no place, so the caller decides
        when a registration counts; it locks the booth row first, so that two calls for the last
        place are answered one after the other."""
        places, area = self.occupancy(excluding=place.pk if place is not None else None)
        if place is None:
            errors = {}
            if self.capacity < places:
                errors["capacity"] = _("%(count)d places are confirmed already: the booth needs at least as many.") % {
                    "count": places
                }
            if self.total_area_m2 < area:
                errors["total_area_m2"] = _("%(area)s m² are confirmed already: the booth needs at least as much.") % {
                    "area": format_decimal(area)
                }
            return errors
        if places + 1 > self.capacity:
            return {
                NON_FIELD_ERRORS: _("The booth is full: all %(capacity)d places are confirmed.")
                % {"capacity": self.capacity}
            }
        requested = place.requested_area_m2
        if requested is not None and area + requested > self.total_area_m2:
            return {
                "requested_area_m2": _(
                    "Not enough area left: %(free)s m² of %(total)s m² are free, %(requested)s m² requested."
                )
                % {
                    "free": format_decimal(self.total_area_m2 - area),
                    "total": format_decimal(self.total_area_m2),
                    "requested": format_decimal(requested),
                }
            }
        return {}


class BoothRegistration(TimeStampedModel):
    """An organisation's application for a place on a joint booth."""

    booth = models.ForeignKey(
        JointBooth, verbose_name=_("joint booth"), on_delete=models.CASCADE, related_name="registrations"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="booth_registrations"
    )
    contact = contact_person_field()
    requested_area_m2 = models.DecimalField(_("requested area (m²)"), max_digits=7, decimal_places=2)
    with_stand_construction = models.BooleanField(_("with stand construction"), default=True)
    products = BoundedTextField(_("products shown"), max_length=2000, blank=True)
    co_exhibitors = BoundedTextField(_("co-exhibitors"), max_length=2000, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=RegistrationState.choices, default=RegistrationState.APPLIED, db_index=True
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    de_minimis_declared = models.BooleanField(
        _("de-minimis declaration"), default=False, help_text=_("The de-minimis aid declaration has been submitted.")
    )
    no_double_funding_declared = models.BooleanField(
        _("no double funding declared"),
        default=False,
        help_text=_("The organisation declared that it receives no other public funding for this fair."),
    )
    notes = models.TextField(_("internal notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["booth", "applied_at"]
        verbose_name = _("booth registration")
        verbose_name_plural = _("booth registrations")
        permissions = [("import_boothregistration", _("Can import booth registrations from a spreadsheet"))]
        constraints = [
            one_per(
                ["booth", "organisation"],
                _("This organisation has already registered for this booth."),
                name="one_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(requested_area_m2__gt=0),
                name="%(app_label)s_%(class)s_area_positive",
                violation_error_message=_("The requested area must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.booth}"

    def clean(self):
        errors = {}
        if names_another_organisations_contact(self):
            errors["contact"] = _("The contact person must belong to the registering organisation.")
        # A confirmed place must fit on the booth: checked on every save, so neither a confirmation
        # nor a later change of booth or area can overbook it. (The confirmation service locks the
        # booth row first, so two confirmations of the last place cannot both pass.)
        if self.state == RegistrationState.CONFIRMED and self.booth_id and self.requested_area_m2 is not None:
            errors.update(self.booth.capacity_errors(place=self))
        if errors:
            raise ValidationError(errors)
