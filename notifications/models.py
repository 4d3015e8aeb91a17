"""Who is told what: the language each portal user reads, and which staff groups get which alerts."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.choices import StaffTopic


class UserPreference(models.Model):
    """The language a user chose in the portal (or signed up in): their e-mails are written in it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["user_id"]
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


class StaffAlert(models.Model):
    """Which staff groups are e-mailed about a topic. With no group (or nobody with an address in
    them) the superusers are told, so an alert is never sent to nobody."""

    topic = models.CharField(_("topic"), max_length=50, choices=StaffTopic.choices, unique=True)
    groups = models.ManyToManyField(
        Group,
        verbose_name=_("groups"),
        blank=True,
        related_name="staff_alerts",
        help_text=_("Active staff members in these groups get the e-mail. None: the superusers."),
    )
    enabled = models.BooleanField(_("send"), default=True)

    class Meta:
        ordering = ["topic"]
        verbose_name = _("staff alert")
        verbose_name_plural = _("staff alerts")

    def __str__(self) -> str:
        return str(self.get_topic_display())
