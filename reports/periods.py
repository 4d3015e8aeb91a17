"""The periods reports cover: a calendar year, a quarter of one, and any period as the range of
moments it spans in the agency's time zone (for timestamp fields).

A period is the closed date range [start, end]; the annual and quarterly reports, the schedule's
quarterly job and ``manage.py report`` all take their dates from here."""

import datetime

from django.utils import timezone


def year_period(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def quarter_period(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"A quarter is 1, 2, 3 or 4, not {quarter}.")
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = (
        datetime.date(year, 12, 31)
        if quarter == 4
        else datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)
    )
    return start, end


def moment_range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, end+1 00:00) in the agency's time zone, for timestamp fields."""
    tz = timezone.get_default_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return first, after
