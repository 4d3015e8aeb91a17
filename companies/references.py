"""Reference numbers of partnering profiles: ``WFS-<type>-<year>-<number>`` (``WFS-TO-2027-0001``),
what staff and companies quote on the phone and in e-mails.

A profile gets its number once, at its first publication: drafts nobody else sees use up no
number, so the numbers of a type and year count the profiles that were offered to others, and the
type and year are those under which the profile first appeared. A later change of its type or a
renewal keeps the number. The sequence per type and year comes from ProfileReferenceCounter,
incremented in one upsert statement (PostgreSQL and SQLite 3.35+): a concurrent publication of
the same type waits for the row lock until the first one commits, then takes the next number; the
unique constraint on the reference is the last guard."""

from __future__ import annotations

import re

from django.db import connection

from companies.choices import ProfileType
from companies.models.profiles import PartneringProfile, ProfileReferenceCounter

TYPE_LETTERS = {
    ProfileType.BUSINESS_OFFER: "BO",
    ProfileType.BUSINESS_REQUEST: "BR",
    ProfileType.TECHNOLOGY_OFFER: "TO",
    ProfileType.TECHNOLOGY_REQUEST: "TR",
    ProfileType.RD_REQUEST: "RD",
}
PATTERN = re.compile(r"^WFS-(BO|BR|TO|TR|RD)-(\d{4})-(\d{4,})$", re.IGNORECASE)


def reference_format(profile_type: str, year: int, number: int) -> str:
    return f"WFS-{TYPE_LETTERS[profile_type]}-{year}-{number:04d}"


def looks_like_reference(text: str) -> bool:
    return bool(PATTERN.match(text.strip()))


def next_number(profile_type: str, year: int) -> int:
    """The next sequence number of the type in the year, counted in the database (inside the
    caller's transaction: the counter row stays locked until it commits)."""
    table = connection.ops.quote_name(ProfileReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (profile_type, year, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (profile_type, year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [profile_type, year],
        )
        return cursor.fetchone()[0]


def reference_assign(profile: PartneringProfile, *, year: int) -> None:
    """Give the profile its reference number unless it has one (set on the instance; the caller
    saves it in the same transaction)."""
    if profile.reference:
        return
    profile.reference = reference_format(profile.type, year, next_number(profile.type, year))
