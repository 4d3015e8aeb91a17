from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound delegation trip")
    INBOUND = "inbound", _("Inbound foreign delegation")


class ParticipantRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    DELEGATION_LEAD = "delegation_lead", _("Head of delegation")
    POLITICAL_LEAD = "political_lead", _("Political lead")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    PRESS = "press", _("Press")
    INTERPRETER = "interpreter", _("Interpreter")


# Roles that take one of the delegation's places (agency staff, press and interpreters travel
# with it but do not take a company's place).
PLACE_ROLES = (ParticipantRole.PARTICIPANT, ParticipantRole.DELEGATION_LEAD)
