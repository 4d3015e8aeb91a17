"""Choices of matchmaking: generation states, feedback verdicts, staff overrides and exclusions,
introduction states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GenerationState(models.TextChoices):
    BUILDING = "building", _("Being computed")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    FAILED = "failed", _("Failed")


class FeedbackVerdict(models.TextChoices):
    INTERESTING = "interesting", _("Interesting")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class OverrideAction(models.TextChoices):
    PIN = "pin", _("Pin")
    HIDE = "hide", _("Hide")


class ExclusionKind(models.TextChoices):
    SAME_GROUP = "same_group", _("Never match two organisations of the same corporate group")
    COMPETITORS = "competitors", _("Never match this organisation with others in its NACE classes")
    PAIR = "pair", _("Never match these two organisations")


class ContactRequestState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
