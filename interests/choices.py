from django.db import models
from django.utils.translation import gettext_lazy as _


class InterestState(models.TextChoices):
    REQUESTED = "requested", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FollowKind(models.TextChoices):
    PROFILE = "profile", _("A partnering profile")
    SEARCH = "search", _("A search")
