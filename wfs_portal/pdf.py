"""What every PDF the portal produces shares: an A4 page with even margins and the document's
properties (title, creator), so that a viewer shows the right title instead of the file name."""

from typing import IO

from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

CREATOR = "WFS Portal"


def a4_document(out: IO[bytes], *, margin: float, title: str, **properties) -> SimpleDocTemplate:
    """A platypus document on A4 writing to ``out``, ``margin`` on every side. ``properties`` are
    further document properties (author, subject, lang)."""
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        creator=CREATOR,
        **properties,
    )
