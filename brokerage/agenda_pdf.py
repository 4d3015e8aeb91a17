"""A participant's agenda as a PDF to print and take along: time, table and partner of each
meeting, then the partners' profiles (what they offer and look for).

Set in ReportLab's built-in Helvetica, as the reports are (its encoding covers German text)."""

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from brokerage.models.participants import Participant
from brokerage.selectors import agenda
from wfs_portal.pdf import a4_document

MARGIN = 1.8 * cm


def _styles() -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("AgendaTitle", parent=sample["Title"], fontSize=18, leading=22, alignment=0),
        "meta": ParagraphStyle("AgendaMeta", parent=sample["Normal"], fontSize=10, leading=13),
        "h2": ParagraphStyle("AgendaH2", parent=sample["Heading2"], fontSize=12, leading=15),
        "cell": ParagraphStyle("AgendaCell", parent=sample["Normal"], fontSize=9, leading=11),
        "text": ParagraphStyle("AgendaText", parent=sample["Normal"], fontSize=9, leading=12),
    }


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def agenda_pdf(participant: Participant) -> bytes:
    event = participant.event
    styles = _styles()
    meetings = agenda(participant)
    buffer = io.BytesIO()
    document = a4_document(buffer, margin=MARGIN, title=f"{event.title} – {participant.organisation.name}")
    story = [
        _paragraph(_("Agenda: %(event)s") % {"event": event.title}, styles["title"]),
        _paragraph(participant.organisation.name, styles["meta"]),
    ]
    if event.place:
        story.append(_paragraph(event.place, styles["meta"]))
    story.append(Spacer(1, 0.5 * cm))
    if not meetings:
        story.append(_paragraph(_("No meetings are scheduled for you yet."), styles["text"]))
    else:
        rows = [[_paragraph(h, styles["cell"]) for h in (_("Time"), _("Table"), _("Partner"))]]
        for meeting in meetings:
            time = str(meeting.slot)
            rows.append(
                [
                    _paragraph(time, styles["cell"]),
                    _paragraph(str(meeting.point), styles["cell"]),
                    _paragraph(meeting.partner_name, styles["cell"]),
                ]
            )
        table = Table(rows, colWidths=[5.2 * cm, 3.2 * cm, None], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE9E2")),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F4F7F5")]),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 0.6 * cm), _paragraph(_("Your partners"), styles["h2"])]
        for meeting in meetings:
            partner = meeting.partner
            block = [_paragraph(partner.organisation.name, styles["h2"])]
            if partner.offer:
                block.append(_paragraph(_("What they offer:") + " " + partner.offer, styles["text"]))
            if partner.request:
                block.append(_paragraph(_("What they are looking for:") + " " + partner.request, styles["text"]))
            if partner.languages:
                block.append(_paragraph(_("Languages:") + " " + partner.language_names, styles["text"]))
            story.append(KeepTogether(block))
    document.build(story)
    return buffer.getvalue()
