"""Project workshops (Projektwerkstätten) and investment projects (new settlements and
expansions) that the agency accompanies until production starts."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.classifications import Sector, TechnologyField
from companies.models.contacts import contact_person_field, names_another_organisations_contact
from companies.models.organisations import Organisation
from projects.choices import (
    FigureProvenance,
    InvestmentKind,
    InvestmentStage,
    JoinRequestState,
    MilestoneKind,
    WorkshopRole,
    WorkshopState,
)
from wfs_portal.choices import District
from wfs_portal.constraints import filled_when, not_before, not_negative, one_per
from wfs_portal.fields import BoundedTextField
from wfs_portal.models import TimeStampedModel, localised_property, user_reference
from wfs_portal.registration_targets import OpeningRule, RegistrationTarget, RegistrationTargetQuerySet, Requirement

# Workshops an organisation may ask to join: the public ones that still run (a completed workshop is
# the agency's record, nothing to join), and only while staff keep them open to new participants.
JOINABLE_WORKSHOP_STATES = (WorkshopState.PLANNED, WorkshopState.ACTIVE)


class Workshop(RegistrationTarget, TimeStampedModel):
    """A project workshop: a cross-sector working group on one topic, e.g. hospital logistics."""

    # Organisations ask to join (a WorkshopJoinRequest) while this holds; there is no deadline.
    registration_rule = OpeningRule(
        Requirement(
            lambda today: Q(state__in=JOINABLE_WORKSHOP_STATES, open_for_participants=True),
            lambda workshop: gettext("This workshop does not take new participants."),
        ),
    )

    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200, help_text=_("e.g. Krankenhauslogistik"))
    challenge_de = models.TextField(_("challenge (German)"), blank=True)
    challenge_en = models.TextField(_("challenge (English)"), blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="workshops")
    technology_fields = models.ManyToManyField(
        TechnologyField, verbose_name=_("technology fields"), blank=True, related_name="workshops"
    )
    state = models.CharField(_("state"), max_length=20, choices=WorkshopState.choices, default=WorkshopState.PLANNED)
    open_for_participants = models.BooleanField(
        _("open to new participants"), default=True, help_text=_("Organisations may ask to join.")
    )
    lead = user_reference(_("responsible staff member"))
    participants = models.ManyToManyField(
        Organisation, through="WorkshopParticipant", related_name="workshops", verbose_name=_("participants")
    )
    history = HistoricalRecords()

    objects = RegistrationTargetQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("project workshop")
        verbose_name_plural = _("project workshops")

    def __str__(self) -> str:
        return self.title

    title = localised_property("title")


class WorkshopSession(TimeStampedModel):
    """One meeting of a project workshop, with its agenda and minutes."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    host = models.ForeignKey(
        Organisation, verbose_name=_("host"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["workshop", "starts_at"]
        verbose_name = _("workshop session")
        verbose_name_plural = _("workshop sessions")
        constraints = [
            not_before(
                "ends_at",
                "starts_at",
                _("A session cannot end before it starts."),
                name="ends_after_start",
                unless_empty=("ends_at",),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} – {date_format(timezone.localtime(self.starts_at), 'SHORT_DATE_FORMAT')}"


class WorkshopParticipant(TimeStampedModel):
    """An organisation taking part in a project workshop."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="workshop_participations"
    )
    contact = contact_person_field()
    role = models.CharField(_("role"), max_length=20, choices=WorkshopRole.choices)
    joined = models.DateField(_("joined"))
    left = models.DateField(_("left"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["workshop", "organisation"]
        verbose_name = _("workshop participant")
        verbose_name_plural = _("workshop participants")
        constraints = [
            one_per(
                ["workshop", "organisation"],
                _("This organisation already takes part in this workshop."),
                name="unique_participant",
            ),
            not_before(
                "left",
                "joined",
                _("An organisation cannot leave a workshop before it joined."),
                name="left_after_joined",
                unless_empty=("left",),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.workshop}"

    def clean(self):
        if names_another_organisations_contact(self):
            raise ValidationError({"contact": _("The contact person must belong to the participating organisation.")})


class WorkshopJoinRequest(TimeStampedModel):
    """An organisation's request, made in the portal, to join a project workshop. Staff accept it
    (projects.services: the organisation becomes a WorkshopParticipant) or decline it; the
    organisation is told by e-mail either way."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="workshop_join_requests"
    )
    contact = contact_person_field()
    message = BoundedTextField(
        _("message"), max_length=2000, blank=True, help_text=_("What the organisation would contribute.")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=JoinRequestState.choices, default=JoinRequestState.REQUESTED, db_index=True
    )
    requested_by = user_reference(_("requested by"))
    decided_by = user_reference(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("workshop join request")
        verbose_name_plural = _("workshop join requests")
        constraints = [
            # One open request per organisation and workshop; a declined one may be followed by a new one.
            one_per(
                ["workshop", "organisation"],
                _("This organisation has already asked to join this workshop."),
                name="one_open_request",
                condition=Q(state=JoinRequestState.REQUESTED),
            ),
            filled_when(
                ~Q(state=JoinRequestState.REQUESTED),
                ["decided_at"],
                _("An accepted or declined request needs the date of the decision."),
                name="decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.workshop}"

    def clean(self):
        if names_another_organisations_contact(self):
            raise ValidationError({"contact": _("The contact person must belong to the requesting organisation.")})


class InvestmentProject(TimeStampedModel):
    """A new settlement, expansion or retention the agency accompanies, from the first lead until
    production starts (or the project is lost). Investor identity and code name can be confidential."""

    title = models.CharField(_("title"), max_length=200, help_text=_("Public description, e.g. European headquarters."))
    code_name = models.CharField(
        _("code name"), max_length=100, unique=True, help_text=_("Confidential internal name, e.g. Projekt Helix.")
    )
    is_confidential = models.BooleanField(
        _("investor confidential"), default=False, help_text=_("The investor's identity must not be published.")
    )
    investor = models.ForeignKey(
        Organisation, verbose_name=_("investor"), on_delete=models.PROTECT, related_name="investment_projects"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InvestmentKind.choices)
    stage = models.CharField(
        _("stage"), max_length=20, choices=InvestmentStage.choices, default=InvestmentStage.LEAD, db_index=True
    )
    lost_reason = models.TextField(_("reason lost"), blank=True)
    site_district = models.CharField(_("site district"), max_length=40, choices=District.choices, blank=True)
    site_municipality = models.CharField(_("site municipality"), max_length=100, blank=True)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="investment_projects")
    investment_volume_eur = models.DecimalField(
        _("investment volume (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    figure_provenance = models.CharField(
        _("figures are"), max_length=20, choices=FigureProvenance.choices, default=FigureProvenance.ESTIMATED
    )
    new_jobs = models.IntegerField(_("new jobs"), default=0)
    secured_jobs = models.IntegerField(_("secured jobs"), default=0)
    first_contact_date = models.DateField(_("first contact"), null=True, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    production_start_date = models.DateField(_("start of production"), null=True, blank=True, db_index=True)
    responsible = user_reference(_("responsible staff member"))
    partner_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("partner organisations involved"),
        blank=True,
        related_name="supported_investment_projects",
    )
    site_offers_sent = models.IntegerField(_("site offers sent"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords(m2m_fields=[sectors, partner_organisations])

    class Meta:
        ordering = ["-created"]
        verbose_name = _("investment project")
        verbose_name_plural = _("investment projects")
        constraints = [
            not_negative(
                ["investment_volume_eur"],
                _("The investment volume cannot be negative."),
                name="volume_not_negative",
                unless_empty=("investment_volume_eur",),
            ),
            not_negative(["new_jobs", "secured_jobs"], _("Job figures cannot be negative."), name="jobs_not_negative"),
            not_negative(
                ["site_offers_sent"],
                _("The number of site offers cannot be negative."),
                name="site_offers_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(stage=InvestmentStage.LOST) | ~Q(lost_reason=""),
                name="%(app_label)s_%(class)s_lost_has_reason",
                violation_error_message=_("Give the reason why the project was lost."),
            ),
            # The reports count a project as accompanied in the year production started, so that
            # stage without its date would silently drop out of every report.
            filled_when(
                Q(stage=InvestmentStage.PRODUCTION_STARTED),
                ["production_start_date"],
                _("A project whose production started needs the start-of-production date."),
                name="production_has_date",
            ),
            not_before(
                "production_start_date",
                "decision_date",
                _("Production cannot start before the location decision."),
                name="production_after_decision",
                unless_empty=("decision_date", "production_start_date"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_name} – {self.title}"


class InvestmentMilestone(TimeStampedModel):
    """A dated step of an investment project: site visit, site offer, decision, permit, …"""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("investment project"), on_delete=models.CASCADE, related_name="milestones"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=30, choices=MilestoneKind.choices)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{date_format(self.date, 'SHORT_DATE_FORMAT')} {self.get_kind_display()}"
