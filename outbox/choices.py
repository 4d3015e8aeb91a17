from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    TASK = "task", _("Background task")


class MessageState(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being delivered")
    SENT = "sent", _("delivered")
    DEAD = "dead", _("failed for good")
