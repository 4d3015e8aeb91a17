"""Reports: the agency's key figures for a period, computed in the background and then frozen."""

from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.choices import ReportKind, ReportState
from wfs_portal.constraints import filled_when, not_before, one_per
from wfs_portal.models import TimeStampedModel, user_reference


class Report(TimeStampedModel):
    """One version of a report for a period. Once done it is frozen: ``figures`` holds every KPI,
    the tables behind them and the ids of the records that produced each one (see reports.kpis), and
    the export files are rendered from those figures, so the report shows the same numbers years
    later whatever happened to the records. Regenerating makes a new version beside it."""

    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ReportState.choices, default=ReportState.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_by = user_reference(_("requested by"), help_text=_("Empty for a report the schedule started."))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Written while a worker generates the report; a long silence means the work stopped."),
    )
    figures = models.JSONField(_("figures"), null=True, blank=True, editable=False)
    xlsx_file = models.FileField(_("Excel file"), upload_to="reports/", blank=True, editable=False)
    pdf_file = models.FileField(_("PDF file"), upload_to="reports/", blank=True, editable=False)
    csv_file = models.FileField(_("CSV file"), upload_to="reports/", blank=True, editable=False)

    class Meta:
        ordering = ["-period_start", "-period_end", "kind", "-version"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        permissions = [("generate_report", _("Can generate, regenerate and retry reports"))]
        constraints = [
            one_per(
                ["kind", "period_start", "period_end", "version"],
                _("This version of the report exists already."),
                name="unique_version",
            ),
            not_before(
                "period_end", "period_start", _("The period cannot end before it starts."), name="period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_percent",
                violation_error_message=_("Progress is a percentage."),
            ),
            # A done report is frozen: it always has its figures (and only a done one has them all).
            filled_when(
                Q(state=ReportState.DONE),
                ["figures", "finished_at"],
                _("A finished report needs its figures."),
                name="done_has_figures",
            ),
        ]
        indexes = [models.Index(fields=["kind", "period_start", "period_end"], name="reports_report_period_idx")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        start, end = self.period_start, self.period_end
        if self.kind == ReportKind.ANNUAL:
            return gettext("Annual report %(year)d") % {"year": start.year}
        if self.kind == ReportKind.QUARTERLY:
            return gettext("Quarterly report Q%(quarter)d/%(year)d") % {
                "quarter": (start.month - 1) // 3 + 1,
                "year": start.year,
            }
        return gettext("Report %(start)s – %(end)s") % {
            "start": date_format(start, "SHORT_DATE_FORMAT"),
            "end": date_format(end, "SHORT_DATE_FORMAT"),
        }

    @property
    def file_stem(self) -> str:
        """The name of this version's export files, without the extension."""
        return f"{self.kind}-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}-v{self.version}"

    @property
    def is_finished(self) -> bool:
        return self.state in (ReportState.DONE, ReportState.FAILED)
