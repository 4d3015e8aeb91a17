"""``manage.py report annual --year 2018 --format json``: the KPI figures of a period, printed or
written to a file, computed from today's records (no report is stored; staff freeze one in the
admin)."""

import datetime
import json
import sys
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from reports import kpis, periods
from reports.choices import ReportKind
from reports.kpi_registry import is_decimal


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Print or export the KPI figures of a year, a quarter or a period."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ReportKind.values, help="annual, quarterly or custom")
        parser.add_argument("--year", type=int, help="the year (annual and quarterly)")
        parser.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help="the quarter (quarterly)")
        parser.add_argument("--start", help="first day, YYYY-MM-DD (custom)")
        parser.add_argument("--end", help="last day, YYYY-MM-DD (custom)")
        parser.add_argument("--format", default="json", choices=("json", "xlsx", "pdf", "csv"))
        parser.add_argument("--output", help="file to write (needed for xlsx and pdf; json and csv go to stdout)")
        parser.add_argument("--language", default="de", choices=("de", "en"), help="language of the exports")

    def handle(self, *args, kind, year, quarter, start, end, format, output, language, **options):
        start_date, end_date = self._period(kind, year, quarter, start, end)
        if format in ("xlsx", "pdf") and not output:
            raise CommandError(f"--format {format} writes a file: give it with --output FILE.")
        figures = kpis.compute(start=start_date, end=end_date)
        with translation.override(language):
            title = self._title(kind, start_date, end_date)
        if format == "json":
            content = json.dumps(self._json(figures), ensure_ascii=False, indent=2).encode() + b"\n"
        else:
            # Imported here: ReportLab and matplotlib are not needed for the figures alone.
            from reports.exports.render import render

            content = render(format, figures, title=title, language=language)
        if output:
            try:
                Path(output).write_bytes(content)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}") from exc
            self.stderr.write(f"{title}: {format} written to {output} ({len(content):,} bytes)")
        else:
            sys.stdout.flush()
            self.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()

    def _period(self, kind, year, quarter, start, end) -> tuple[datetime.date, datetime.date]:
        if kind == ReportKind.ANNUAL:
            if year is None:
                raise CommandError("An annual report needs --year.")
            return periods.year_period(self._year(year))
        if kind == ReportKind.QUARTERLY:
            if year is None or quarter is None:
                raise CommandError("A quarterly report needs --year and --quarter.")
            return periods.quarter_period(self._year(year), quarter)
        if not (start and end):
            raise CommandError("A custom report needs --start and --end.")
        first, last = _date(start), _date(end)
        if last < first:
            raise CommandError(f"The period ends ({last}) before it starts ({first}).")
        return first, last

    @staticmethod
    def _year(year: int) -> int:
        if not 1990 <= year <= 2100:
            raise CommandError(f"--year must lie between 1990 and 2100, not {year}.")
        return year

    @staticmethod
    def _title(kind, start, end) -> str:
        from reports.models import Report

        return Report(kind=kind, period_start=start, period_end=end).title

    @staticmethod
    def _json(figures: dict) -> dict:
        """The headline KPIs at the top level, amounts as JSON numbers (a double holds every cent
        amount below 90 trillion exactly enough to print back the same decimal), and the period; the
        tables follow under "tables" (the drill-down ids are left out)."""
        headline = {key: float(Decimal(value)) if is_decimal(key) else value for key, value in figures["kpis"].items()}
        return {
            "period_start": figures["period"]["start"],
            "period_end": figures["period"]["end"],
            **headline,
            "tables": figures["tables"],
        }
