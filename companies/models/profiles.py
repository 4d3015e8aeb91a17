"""Partnering profiles: what an organisation offers or looks for, the matchmaking's input."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from companies.choices import DevelopmentStage, ProfileState, ProfileType
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from wfs_portal.constraints import filled_when, one_per
from wfs_portal.fields import BoundedTextField
from wfs_portal.models import TimeStampedModel, localised_property


class PartneringProfile(TimeStampedModel):
    """What an organisation offers or looks for (the Enterprise Europe Network's profile types),
    in German and/or English. Published profiles feed the matchmaking."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="partnering_profiles"
    )
    type = models.CharField(_("type"), max_length=20, choices=ProfileType.choices)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_de = BoundedTextField(_("summary (German)"), max_length=2000, blank=True)
    summary_en = BoundedTextField(_("summary (English)"), max_length=2000, blank=True)
    keywords_de = models.CharField(_("keywords (German)"), max_length=500, blank=True, help_text=_("Comma-separated."))
    keywords_en = models.CharField(_("keywords (English)"), max_length=500, blank=True, help_text=_("Comma-separated."))
    partner_sought_de = BoundedTextField(_("partner sought (German)"), max_length=2000, blank=True)
    partner_sought_en = BoundedTextField(_("partner sought (English)"), max_length=2000, blank=True)
    technology_fields = models.ManyToManyField(
        TechnologyField, verbose_name=_("technology fields"), blank=True, related_name="partnering_profiles"
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="partnering_profiles")
    target_countries = CountryField(_("target countries"), multiple=True, blank=True)
    stage = models.CharField(_("stage of development"), max_length=20, choices=DevelopmentStage.choices, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Up to three questions a company expressing interest answers (interests.ExpressionOfInterest),
    # in the language the profile is written in.
    question_1 = models.CharField(_("question 1 for interested partners"), max_length=300, blank=True)
    question_2 = models.CharField(_("question 2 for interested partners"), max_length=300, blank=True)
    question_3 = models.CharField(_("question 3 for interested partners"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ProfileState.choices, default=ProfileState.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # When the profile was last submitted for review: the review queue's order, oldest first.
    submitted_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True, editable=False)
    # WFS-<type>-<year>-<number>, given once at the first publication (companies/references.py):
    # what staff and companies quote.
    reference = models.CharField(_("reference number"), max_length=20, blank=True, editable=False)
    # The 'valid until' date the renewal reminder went out for: one reminder per validity period,
    # and a renewal (a new date) makes the profile due for the next one.
    renewal_reminder_sent_for = models.DateField(_("renewal reminder sent for"), null=True, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[technology_fields, sectors])

    # The texts in the two languages: what a representative writes, the API shows and the search reads.
    TEXT_FIELDS = (
        "title_de",
        "title_en",
        "summary_de",
        "summary_en",
        "keywords_de",
        "keywords_en",
        "partner_sought_de",
        "partner_sought_en",
    )

    class Meta:
        ordering = ["organisation", "-created"]
        verbose_name = _("partnering profile")
        verbose_name_plural = _("partnering profiles")
        indexes = [models.Index(fields=["state", "valid_until"], name="companies_profile_state_valid")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_de="", title_en=""),
                name="%(app_label)s_%(class)s_has_title",
                violation_error_message=_("Give the profile a title in German or English."),
            ),
            one_per(
                ["reference"],
                _("A profile with this reference number already exists."),
                name="unique_reference",
                condition=~Q(reference=""),
            ),
            filled_when(
                Q(state=ProfileState.PUBLISHED),
                ["valid_until", "published_at"],
                _("A published profile needs a publication date and a 'valid until' date."),
                name="published_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.title}"

    title = localised_property("title")

    summary = localised_property("summary")

    @property
    def questions(self) -> list[str]:
        """The questions for interested partners that are filled in, in their order."""
        return [text for text in (self.question_1, self.question_2, self.question_3) if text.strip()]

    @property
    def language(self) -> str:
        """The profile's main language: the one its title is written in (German if both)."""
        return "de" if self.title_de else "en"

    @staticmethod
    def split_keywords(value: str) -> list[str]:
        return [word.strip() for word in value.split(",") if word.strip()]


class ProfileReferenceCounter(models.Model):
    """The last sequence number given to a profile type in a year (companies/references.py): one
    row per type and year, incremented in one statement, so two publications at once never get
    the same number."""

    profile_type = models.CharField(_("type"), max_length=20, choices=ProfileType.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"))

    class Meta:
        verbose_name = _("reference number counter")
        verbose_name_plural = _("reference number counters")
        constraints = [
            one_per(["profile_type", "year"], _("This type and year have a counter already."), name="one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.profile_type} {self.year}: {self.last_number}"
