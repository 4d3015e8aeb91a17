"""Generations of computed matches: one full computation, its chunks, and the embedding cache the
computations read."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from matchmaking.choices import GenerationState
from wfs_portal.constraints import one_per
from wfs_portal.models import TimeStampedModel, user_reference

# The snapshot field of a generation while its corpus is being built.
SNAPSHOT_PREPARING = "-"


class MatchGeneration(TimeStampedModel):
    """One full computation of everybody's partner matches. Readers only ever see the single active
    generation; a new one is built beside it and switched to in one short transaction when all of
    its chunks are done, so nobody sees a half-computed result."""

    state = models.CharField(
        _("state"), max_length=20, choices=GenerationState.choices, default=GenerationState.BUILDING, db_index=True
    )
    requested_by = user_reference(_("requested by"))
    organisations = models.PositiveIntegerField(_("organisations"), default=0)
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    snapshot = models.CharField(_("snapshot file"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=1, help_text=_("Runs of this computation: the first and every resumption.")
    )
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        help_text=_("Written while a worker prepares it or finishes a chunk; a long silence means the work stopped."),
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("match generation")
        verbose_name_plural = _("match generations")
        permissions = [("run_matching", _("Can start match computations and pin or hide matches"))]
        constraints = [
            # The switch retires the old generation and activates the new one in one transaction;
            # this index is the last guard against two active ones.
            one_per(
                ["state"],
                _("Only one match generation can be active."),
                name="one_active",
                condition=Q(state=GenerationState.ACTIVE),
            ),
            models.CheckConstraint(
                condition=Q(chunks_done__lte=F("chunks_total")),
                name="%(app_label)s_%(class)s_chunks_done_within_total",
                violation_error_message=_("More chunks done than there are."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_state_display()}"

    @property
    def progress(self) -> int:
        """Percentage of chunks done."""
        return round(100 * self.chunks_done / self.chunks_total) if self.chunks_total else 0

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class MatchChunk(models.Model):
    """A range of organisations of a generation that one Celery task computes. A chunk that is done
    is not computed again when the generation is resumed after a failure."""

    class Phase(models.TextChoices):
        MAP = "map", _("Candidates (block pairs)")
        REDUCE = "reduce", _("Lists (ranking)")

    generation = models.ForeignKey(MatchGeneration, on_delete=models.CASCADE, related_name="chunks")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    stop = models.PositiveIntegerField()
    # Set when a worker takes the chunk and renewed while it computes: a second delivery of the task
    # leaves a chunk with a fresh claim alone, and a chunk whose worker died is taken again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["generation", "phase", "index"]
        verbose_name = _("match chunk")
        verbose_name_plural = _("match chunks")
        constraints = [
            one_per(["generation", "phase", "index"], _("This chunk exists already."), name="unique_index"),
            models.CheckConstraint(
                condition=Q(stop__gt=F("start")),
                name="%(app_label)s_%(class)s_not_empty",
                violation_error_message=_("A chunk must contain at least one organisation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.generation_id}/{self.phase}/{self.index}"


class TextEmbedding(models.Model):
    """The embedding of one text by one model, keyed by a hash of both, so a recompute embeds only
    texts that changed. Vectors are stored as float32 bytes."""

    model = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("text embedding")
        verbose_name_plural = _("text embeddings")
        constraints = [
            one_per(["model", "text_hash"], _("This text is embedded already."), name="unique_text"),
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.text_hash[:12]}"
