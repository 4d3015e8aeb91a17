"""Partner matches and what steers them: the computed matches of a generation, the organisations'
feedback, staff overrides and exclusion rules, and the NACE divisions staff declare complementary."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.organisations import Organisation
from matchmaking.choices import ExclusionKind, FeedbackVerdict, OverrideAction
from matchmaking.models.generations import MatchGeneration
from wfs_portal.constraints import not_self, one_per
from wfs_portal.models import TimeStampedModel


class Match(models.Model):
    """A proposed partner for an organisation, with its score in [0, 1], the score's components and
    the reasons behind it (rendered in the reader's language by matchmaking.reasons).
    Components and reasons are plain number columns, the fastest for PostgreSQL's COPY."""

    # A generation writes a million of these rows at 50,000 organisations, and every index and
    # foreign-key trigger is paid for per row: measured on PostgreSQL 15 here, the three key checks
    # and the indexes of a first design made the COPY five times slower than a bare table.
    # Matches are derived data that the next run rewrites, and Django's deletion collector still
    # cascades deletes of organisations and generations; so the keys carry no database constraint
    # and the indexes besides the primary key are the list's own (generation, organisation, rank)
    # and (generation, partner), with which an incremental update finds the lists an organisation
    # is in without reading the whole generation.
    generation = models.ForeignKey(
        MatchGeneration, on_delete=models.CASCADE, related_name="matches", db_index=False, db_constraint=False
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,
        db_constraint=False,
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    text = models.FloatField(_("offer ↔ need"), default=0)
    text_forward = models.FloatField(_("partner offers what is looked for"), default=0)
    text_backward = models.FloatField(_("partner looks for what is offered"), default=0)
    structure = models.FloatField(_("technology and sectors"), default=0)
    fit = models.FloatField(_("practical fit"), default=0)
    feedback = models.FloatField(_("feedback"), default=0)
    reason_flags = models.IntegerField(_("reasons"), default=0)
    shared_fields = models.IntegerField(_("shared technology fields"), default=0)
    # The profiles named in the reason, by id (0: none); a profile deleted later only shortens the
    # reason. Plain numbers, so that every row of a generation has the same binary layout for COPY.
    request_profile_ref = models.BigIntegerField(_("profile looked for"), default=0)
    offer_profile_ref = models.BigIntegerField(_("profile offered"), default=0)
    pinned = models.BooleanField(_("pinned by staff"), default=False)

    COMPONENTS = ("text", "text_forward", "text_backward", "structure", "fit", "feedback")

    class Meta:
        # By the columns, not the related models' orderings (those would join both tables).
        ordering = ["generation_id", "organisation_id", "rank"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        indexes = [models.Index(fields=["generation", "partner"], name="matchmaking_match_partner_idx")]
        constraints = [
            # One entry per place of a list; also the index every reader of a list uses. (The
            # engine gives each partner one place; an index to guard that too would cost a third
            # more time per written generation.)
            one_per(["generation", "organisation", "rank"], _("This place of the list is taken."), name="one_per_rank"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1),
                name="%(app_label)s_%(class)s_score_in_unit_interval",
                violation_error_message=_("A score lies between 0 and 1."),
            ),
            not_self("organisation", "partner", _("An organisation is not its own partner.")),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.partner} ({self.score:.2f})"

    @property
    def components(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.COMPONENTS}


class MatchFeedback(TimeStampedModel):
    """An organisation's verdict on a proposed partner. "Not relevant" removes the pair from its list
    and lowers similar partners; "interesting" raises the pair and similar ones on the next run."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="match_feedback"
    )
    partner = models.ForeignKey(Organisation, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(_("verdict"), max_length=20, choices=FeedbackVerdict.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("match feedback")
        verbose_name_plural = _("match feedback")
        constraints = [
            one_per(
                ["organisation", "partner"],
                _("This organisation has already given feedback on this partner."),
                name="one_per_pair",
            ),
            not_self("organisation", "partner", _("An organisation is not its own partner.")),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.partner}: {self.get_verdict_display()}"


class MatchOverride(TimeStampedModel):
    """Staff pin a partner into an organisation's list or hide it from the list, whatever the score."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="match_overrides"
    )
    partner = models.ForeignKey(Organisation, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=OverrideAction.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.SET_NULL, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "partner"]
        verbose_name = _("match override")
        verbose_name_plural = _("match overrides")
        constraints = [
            one_per(["organisation", "partner"], _("There is already an override for this pair."), name="one_per_pair"),
            not_self("organisation", "partner", _("An organisation is not its own partner.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.organisation} → {self.partner}"


class MatchExclusion(TimeStampedModel):
    """A rule that keeps organisations apart: two members of the same corporate group, competitors in
    the same NACE class (for an organisation that asked for it), or one explicit pair."""

    kind = models.CharField(_("kind"), max_length=30, choices=ExclusionKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="match_exclusions",
        help_text=_("Competitors and explicit pairs: the organisation the rule is for."),
    )
    other = models.ForeignKey(
        Organisation,
        verbose_name=_("other organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Explicit pairs only."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "organisation"]
        verbose_name = _("exclusion rule")
        verbose_name_plural = _("exclusion rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=ExclusionKind.SAME_GROUP, organisation__isnull=True, other__isnull=True)
                    | Q(kind=ExclusionKind.COMPETITORS, organisation__isnull=False, other__isnull=True)
                    | Q(kind=ExclusionKind.PAIR, organisation__isnull=False, other__isnull=False)
                ),
                name="%(app_label)s_%(class)s_fields_match_kind",
                violation_error_message=_(
                    "Same group: no organisation. Competitors: one organisation. Pair: two organisations."
                ),
            ),
            not_self("organisation", "other", _("A pair needs two different organisations."), other_optional=True),
        ]

    def __str__(self) -> str:
        parts = [str(self.get_kind_display())]
        parts += [str(o) for o in (self.organisation, self.other) if o is not None]
        return " – ".join(parts)


class ComplementaryDivisions(TimeStampedModel):
    """Two NACE divisions whose organisations complement each other, as staff judge it (e.g. 52
    warehousing and transport support ↔ 86 human health): pairs across them earn a bonus."""

    first = models.ForeignKey(
        "companies.Sector",
        verbose_name=_("division"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    second = models.ForeignKey(
        "companies.Sector",
        verbose_name=_("complementary division"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["first__position", "second__position"]
        verbose_name = _("complementary divisions")
        verbose_name_plural = _("complementary divisions")
        constraints = [
            one_per(["first", "second"], _("These divisions are already declared complementary."), name="unique_pair"),
            not_self("first", "second", _("Choose two different divisions."), name="two_divisions"),
        ]

    def __str__(self) -> str:
        return f"{self.first} ↔ {self.second}"

    def clean(self):
        from django.core.exceptions import ValidationError

        for name in ("first", "second"):
            sector = getattr(self, name, None)
            if sector is not None and sector.level != 2:
                raise ValidationError({name: _("Choose a NACE division (two-digit code).")})
