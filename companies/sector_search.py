"""The search of the sector picker: a NACE code, words of its title, or the words companies use for
their sector ("Medizintechnik", "Logistik", "Kühlkette") that the official WZ titles do not contain.
Those come from companies/data/sector_keywords.csv: one row per group of terms, with the codes they
point to and the German and English terms, separated by ";".

The rule (static/portal/picker.js applies it in the browser; ``visible`` here is the same rule for
the tests): a row is shown when every word typed begins one of its terms or a term of a row above it
(its division, group, section), so a term given for a division finds all its classes. Terms are the
row's code and title as shown plus its keywords, compared case- and umlaut-insensitively: "Kühl"
finds "Kühlkette", and so do "kuehl" and "kuhl"."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

KEYWORDS_FILE = Path(__file__).resolve().parent / "data" / "sector_keywords.csv"

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# A code keeps its dots ("26.60"), so that "26.6" finds the group and its classes.
_WORD = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case, umlauts written out (ü → ue, ß → ss), other accents dropped."""
    return _strip_marks(unicodedata.normalize("NFC", text).lower().translate(_UMLAUTS))


def query_words(text: str) -> list[str]:
    """The words typed, as they are compared with the terms."""
    return _WORD.findall(fold(text))


def terms(texts: Iterable[str]) -> set[str]:
    """The words of ``texts`` as the picker compares them. A word with an umlaut is there in both
    spellings a keyboard without umlauts gives: "kuehlkette" and "kuhlkette"."""
    words: set[str] = set()
    for text in texts:
        lowered = unicodedata.normalize("NFC", text).lower()
        words.update(_WORD.findall(fold(lowered)))
        words.update(_WORD.findall(_strip_marks(lowered.replace("ß", "ss"))))
    return words


@functools.cache
def keywords() -> dict[str, tuple[str, ...]]:
    """NACE code -> the terms given for it (German and English), as written in the file."""
    found: dict[str, list[str]] = {}
    with KEYWORDS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            phrases = [p.strip() for column in ("keywords_de", "keywords_en") for p in row[column].split(";")]
            for code in row["codes"].split():
                found.setdefault(code, []).extend(p for p in phrases if p)
    return {code: tuple(phrases) for code, phrases in found.items()}


def keyword_terms(code: str, shown: Iterable[str] = ()) -> str:
    """The terms of the keywords of ``code`` that the row does not show already (the picker reads
    the shown code and title itself), space-separated; a term that begins a longer one is left out,
    since the longer one matches every prefix the shorter would. Empty for most rows: only their
    text is searched."""
    phrases = keywords().get(code)
    if not phrases:
        return ""
    extra = terms(phrases) - terms(shown)
    return " ".join(sorted(t for t in extra if not any(o != t and o.startswith(t) for o in extra)))


def visible(query: str, rows: Iterable[tuple[int, set[str]]]) -> list[int]:
    """Positions of the rows the picker shows for ``query``; ``rows`` are (level, terms) in
    classification order, where a row's terms are ``terms([code, title])`` plus its keyword terms."""
    words = query_words(query)
    above: list[set[str]] = []
    shown = []
    for position, (level, own) in enumerate(rows):
        del above[level - 1 :]
        above.extend(set() for _ in range(level - 1 - len(above)))
        above.append(own)
        reachable = set().union(*above)
        if all(any(term.startswith(word) for term in reachable) for word in words):
            shown.append(position)
    return shown
