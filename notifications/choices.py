from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffTopic(models.TextChoices):
    """What agency staff are told about by e-mail (who, per topic: StaffAlert)."""

    ORGANISATION_REGISTERED = "organisation_registered", _("An organisation registered itself in the portal")
    BOOTH_APPLICATION = "booth_application", _("An organisation applied for a joint booth")
    DELEGATION_REGISTRATION = "delegation_registration", _("A person was registered for a delegation trip")
    WORKSHOP_JOIN_REQUEST = "workshop_join_request", _("An organisation asked to join a project workshop")
    INTRODUCTION_WITHOUT_USERS = (
        "introduction_without_users",
        _("An introduction was requested from an organisation without portal users"),
    )
    ORGANISATION_ORPHANED = "organisation_orphaned", _("An organisation lost its last administrator in the portal")
    DELIVERY_FAILED = "delivery_failed", _("An e-mail or a background task failed for good")
    PROFILE_SUBMITTED = "profile_submitted", _("A partnering profile was submitted for review")
    WEBHOOK_DISABLED = "webhook_disabled", _("A partner's webhook endpoint was switched off after failing")
