from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkshopState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class WorkshopRole(models.TextChoices):
    COMPANY = "company", _("Company")
    CLINIC = "clinic", _("Clinic")
    ACADEMIC_PARTNER = "academic_partner", _("Academic partner")
    NETWORK = "network", _("Network")
    ASSOCIATION = "association", _("Association")
    PUBLIC_BODY = "public_body", _("Public body")


class JoinRequestState(models.TextChoices):
    """Where an organisation's request to join a project workshop stands."""

    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class InvestmentKind(models.TextChoices):
    NEW_SETTLEMENT = "new_settlement", _("New settlement")
    EXPANSION = "expansion", _("Expansion")
    RETENTION = "retention", _("Retention")


class InvestmentStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    SITE_SEARCH = "site_search", _("Site search")
    NEGOTIATION = "negotiation", _("Negotiation")
    DECISION = "decision", _("Decision taken")
    PERMITS = "permits", _("Permits")
    PRODUCTION_STARTED = "production_started", _("Production started")
    ON_HOLD = "on_hold", _("On hold")
    LOST = "lost", _("Lost")


OPEN_STAGES = (
    InvestmentStage.LEAD,
    InvestmentStage.SITE_SEARCH,
    InvestmentStage.NEGOTIATION,
    InvestmentStage.DECISION,
    InvestmentStage.PERMITS,
)


class FigureProvenance(models.TextChoices):
    """How sure a project's figures (investment, jobs) are."""

    ANNOUNCED = "announced", _("Announced by the investor")
    ESTIMATED = "estimated", _("Estimated by the agency")
    CONFIRMED = "confirmed", _("Confirmed")


class MilestoneKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")
    SITE_VISIT = "site_visit", _("Site visit")
    SITE_OFFER = "site_offer", _("Site offer sent")
    FUNDING_APPLICATION = "funding_application", _("Funding application")
    DECISION = "decision", _("Location decision")
    PERMIT = "permit", _("Permit granted")
    GROUNDBREAKING = "groundbreaking", _("Groundbreaking")
    PRODUCTION_START = "production_start", _("Start of production")
    OTHER = "other", _("Other")
