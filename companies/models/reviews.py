"""Staff reviews of submitted partnering profiles, as the Enterprise Europe Network does them: four
criteria scored 0–5; a total of PUBLISH_THRESHOLD or more publishes the profile, less puts it on
hold with the reviewer's comment to the company (companies.services.reviews)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.profiles import PartneringProfile
from wfs_portal.constraints import constraint_name
from wfs_portal.fields import BoundedTextField
from wfs_portal.models import TimeStampedModel, user_reference

MAX_SCORE = 5
# The total (of four times 0–5) from which a reviewed profile is published.
PUBLISH_THRESHOLD = 10
SCORE_FIELDS = ("innovation", "clarity", "cooperation", "language")


def _score(verbose_name, help_text) -> models.PositiveSmallIntegerField:
    # The upper bound is the constraint scores_at_most_five, so that a form shows its one message.
    return models.PositiveSmallIntegerField(verbose_name, help_text=help_text)


class ProfileReview(TimeStampedModel):
    """One review of a submitted profile: who, the four scores, their total, the comment to the
    company and when it was decided. A profile submitted again gets a new review; the earlier ones
    stay as its review history."""

    profile = models.ForeignKey(
        PartneringProfile, verbose_name=_("partnering profile"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = user_reference(_("reviewer"))
    innovation = _score(_("innovation and advantage"), _("What is new about it, and what it brings to a partner."))
    clarity = _score(_("clarity"), _("Whether the profile is understandable and specific."))
    cooperation = _score(_("cooperation sought"), _("Whether the kind of partner and cooperation sought is clear."))
    language = _score(_("language and guidelines"), _("Language quality and the profile guidelines."))
    total = models.PositiveSmallIntegerField(_("total"), editable=False)
    comment = BoundedTextField(
        _("comment to the company"),
        max_length=2000,
        blank=True,
        help_text=_("Required when the profile is put on hold: what the company should improve."),
    )
    published = models.BooleanField(_("published"), editable=False)
    decided_at = models.DateTimeField(_("decided at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("profile review")
        verbose_name_plural = _("profile reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__lte": MAX_SCORE for name in SCORE_FIELDS}),
                name=constraint_name("scores_at_most_five"),
                violation_error_message=_("Each score lies between 0 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(total=F("innovation") + F("clarity") + F("cooperation") + F("language")),
                name=constraint_name("total_is_sum"),
                violation_error_message=_("The total is the sum of the four scores."),
            ),
            # The decision follows from the total, so that no review says "published" with 8 points.
            models.CheckConstraint(
                condition=Q(published=True, total__gte=PUBLISH_THRESHOLD)
                | Q(published=False, total__lt=PUBLISH_THRESHOLD),
                name=constraint_name("published_from_total"),
                violation_error_message=_("A profile is published with a total of 10 or more, else put on hold."),
            ),
            # A profile put on hold tells the company why.
            models.CheckConstraint(
                condition=Q(published=True) | ~Q(comment=""),
                name=constraint_name("on_hold_has_comment"),
                violation_error_message=_("Tell the company what to improve when the profile is put on hold."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} ({self.total}/{len(SCORE_FIELDS) * MAX_SCORE})"

    @property
    def scores(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in SCORE_FIELDS}
