"""Choices shared by several apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.TextChoices):
    """The ten districts (Landkreise) and three district-free cities (kreisfreie Städte) of Saxony."""

    CHEMNITZ = "chemnitz", _("Chemnitz (city)")
    DRESDEN = "dresden", _("Dresden (city)")
    LEIPZIG_CITY = "leipzig", _("Leipzig (city)")
    BAUTZEN = "bautzen", _("Bautzen (district)")
    ERZGEBIRGSKREIS = "erzgebirgskreis", _("Erzgebirgskreis (district)")
    GOERLITZ = "goerlitz", _("Görlitz (district)")
    LEIPZIG_DISTRICT = "landkreis_leipzig", _("Leipzig (district)")
    MEISSEN = "meissen", _("Meißen (district)")
    MITTELSACHSEN = "mittelsachsen", _("Mittelsachsen (district)")
    NORDSACHSEN = "nordsachsen", _("Nordsachsen (district)")
    SAECHSISCHE_SCHWEIZ = "saechsische_schweiz_osterzgebirge", _("Sächsische Schweiz-Osterzgebirge (district)")
    VOGTLANDKREIS = "vogtlandkreis", _("Vogtlandkreis (district)")
    ZWICKAU = "zwickau", _("Zwickau (district)")


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class EventState(models.TextChoices):
    """The life of what organisations register for: a joint booth at a trade fair, a delegation trip, a
    brokerage event. Registration is possible while it is open (and its deadline has not passed)."""

    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for registration")
    CLOSED = "closed", _("Registration closed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationState(models.TextChoices):
    """The life of an application for a place on a joint booth or a delegation trip."""

    APPLIED = "applied", _("Applied")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
