"""The one dispatch of the exports by format name, used by the report task, the admin and
``manage.py report``."""

from __future__ import annotations

from reports.exports import csv, pdf, xlsx
from reports.exports.common import Figures

FORMATS = ("xlsx", "pdf", "csv")


def render(fmt: str, figures: Figures, *, title: str, language: str = "de", generated_at=None) -> bytes:
    """The figures as ``fmt`` (one of FORMATS): the one dispatch the task, the admin and the
    command use."""
    if fmt == "xlsx":
        return xlsx.render_xlsx(figures, title=title, language=language)
    if fmt == "pdf":
        return pdf.render_pdf(figures, title=title, language=language, generated_at=generated_at)
    if fmt == "csv":
        return csv.render_csv(figures, language=language)
    raise ValueError(f"Unknown export format {fmt!r}: one of {', '.join(FORMATS)}.")
