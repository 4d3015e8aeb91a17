"""Business delegations: trips of Saxon companies abroad (outbound) and foreign delegations the
agency hosts in Saxony (inbound), with their participants and programme."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from companies.models.classifications import Sector
from companies.models.contacts import contact_person_field, names_another_organisations_contact
from companies.models.organisations import Organisation
from delegations.choices import PLACE_ROLES, Direction, ParticipantRole
from wfs_portal.choices import EventState, RegistrationState
from wfs_portal.constraints import not_before, one_per
from wfs_portal.models import TimeStampedModel, user_reference
from wfs_portal.registration_targets import (
    OpeningRule,
    RegistrationTarget,
    RegistrationTargetQuerySet,
    Requirement,
    deadline_not_passed,
)


class Delegation(RegistrationTarget, TimeStampedModel):
    """An outbound delegation trip or an inbound foreign delegation."""

    # Companies register while staff keep the trip open, until its deadline if it has one.
    registration_rule = OpeningRule(
        Requirement(
            lambda today: Q(state=EventState.OPEN),
            lambda delegation: gettext("This delegation is not open for registration."),
        ),
        deadline_not_passed(optional=True),
    )

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    countries = CountryField(
        _("countries"),
        multiple=True,
        help_text=_("Outbound: the countries visited. Inbound: the countries the delegation comes from."),
    )
    cities = models.CharField(_("cities"), max_length=300, blank=True, help_text=_("Comma-separated."))
    start_date = models.DateField(_("first day"), db_index=True)
    end_date = models.DateField(_("last day"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="delegations")
    capacity = models.PositiveSmallIntegerField(
        _("places"), null=True, blank=True, help_text=_("Places for participating organisations; empty for no limit.")
    )
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=EventState.choices, default=EventState.PLANNED)
    political_lead = models.CharField(
        _("political lead"), max_length=200, blank=True, help_text=_("e.g. the State Minister for Economic Affairs")
    )
    organiser = user_reference(_("responsible staff member"))
    history = HistoricalRecords()

    objects = RegistrationTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            not_before(
                "end_date", "start_date", _("A delegation cannot end before it starts."), name="end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(registration_deadline__isnull=True) | Q(registration_deadline__lte=F("start_date")),
                name="%(app_label)s_%(class)s_deadline_before_start",
                violation_error_message=_("The registration deadline must not be after the first day."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def places_taken(self, *, excluding: int | None = None) -> set[int]:
        """The organisations holding a confirmed place, leaving out participant row ``excluding``.
        A place belongs to an organisation: a company may send two people on one place."""
        confirmed = self.participants.filter(state=RegistrationState.CONFIRMED, role__in=PLACE_ROLES)
        return set(confirmed.exclude(pk=excluding).values_list("organisation_id", flat=True))

    def capacity_errors(self, *, place: "DelegationParticipant | None" = None) -> dict[str, str]:
        """The delegation's capacity rule with its messages, by field: organisations holding a
        confirmed place are no more than the places the delegation has (none: no limit). Without
        ``place``: whether the confirmed places fit the delegation as it is (staff reducing its
        places). With ``place``: whether that participant's organisation finds a place beside the
        others (an application, a confirmation) — it needs none if it holds one already. The caller
        locks the delegation row first, so that two calls for the last place are answered one after
        the other."""
        if self.capacity is None or not self.pk:
            return {}
        taken = self.places_taken(excluding=place.pk if place is not None else None)
        if place is None:
            if self.capacity < len(taken):
                return {
                    "capacity": _("%(count)d places are confirmed already: the delegation needs at least as many.")
                    % {"count": len(taken)}
                }
            return {}
        if place.organisation_id not in taken and len(taken) >= self.capacity:
            return {
                NON_FIELD_ERRORS: _("The delegation is full: all %(capacity)d places are confirmed.")
                % {"capacity": self.capacity}
            }
        return {}

    def clean(self):
        errors = self.capacity_errors()
        if errors:
            raise ValidationError(errors)


class DelegationParticipant(TimeStampedModel):
    """An organisation and its person on a delegation."""

    delegation = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="delegation_participations"
    )
    contact = contact_person_field(_("person"))
    role = models.CharField(
        _("role"), max_length=20, choices=ParticipantRole.choices, default=ParticipantRole.PARTICIPANT
    )
    state = models.CharField(
        _("state"), max_length=20, choices=RegistrationState.choices, default=RegistrationState.APPLIED, db_index=True
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notes = models.TextField(_("internal notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["delegation", "organisation"]
        verbose_name = _("delegation participant")
        verbose_name_plural = _("delegation participants")
        constraints = [
            one_per(
                ["delegation", "contact"],
                _("This person is already registered for this delegation."),
                name="person_once",
                condition=Q(contact__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.organisation} – {self.delegation}"

    def clean(self):
        errors = {}
        if names_another_organisations_contact(self):
            errors["contact"] = _("The person must belong to the participating organisation.")
        # Checked on every save of a confirmed place; the service locks the delegation row first,
        # so two confirmations of the last place cannot both pass.
        delegation = getattr(self, "delegation", None)
        if self.state == RegistrationState.CONFIRMED and self.role in PLACE_ROLES and delegation is not None:
            errors.update(delegation.capacity_errors(place=self))
        if errors:
            raise ValidationError(errors)


class ProgrammeItem(TimeStampedModel):
    """One point of a delegation's programme: a company visit, a meeting, a reception."""

    delegation = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.CASCADE, related_name="programme"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    host = models.ForeignKey(
        Organisation, verbose_name=_("host"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["delegation", "starts_at"]
        verbose_name = _("programme item")
        verbose_name_plural = _("programme")
        constraints = [
            not_before(
                "ends_at",
                "starts_at",
                _("A programme item cannot end before it starts."),
                name="ends_after_start",
                unless_empty=("ends_at",),
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(timezone.localtime(self.starts_at), 'SHORT_DATETIME_FORMAT')} {self.title}"

    def clean(self):
        # The delegation, not delegation_id: an item entered inline while its delegation is being
        # added has no id yet.
        delegation = getattr(self, "delegation", None)  # None when unset
        if delegation and delegation.start_date and delegation.end_date and self.starts_at:
            day = timezone.localtime(self.starts_at).date()
            if not delegation.start_date <= day <= delegation.end_date:
                raise ValidationError({"starts_at": _("The programme item must lie within the delegation's dates.")})
