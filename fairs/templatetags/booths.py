"""``{% booth_location booth %}``: where a joint booth is, "Halle 8, Stand B12".

Staff type the hall and the stand as the fair names them: "8", "Z1", but also "Halle 8" or
"Sheikh Saeed Hall 2". The word "Halle"/"Hall" (and "Stand") is put in front only where the value
does not name it already, so the card never says "Halle Halle 8"."""

import re

from django import template
from django.utils.translation import pgettext

register = template.Library()

# The words in both languages: a value entered in either names itself.
_HALL = re.compile(r"hall", re.IGNORECASE)
_STAND = re.compile(r"stand|booth", re.IGNORECASE)


def _named(value: str, word: str, pattern: re.Pattern) -> str:
    value = value.strip()
    return value if pattern.search(value) else f"{word} {value}"


@register.simple_tag
def booth_location(booth) -> str:
    parts = []
    if booth.hall:
        parts.append(_named(booth.hall, pgettext("exhibition hall", "Hall"), _HALL))
    if booth.stand:
        parts.append(_named(booth.stand, pgettext("exhibition stand", "Stand"), _STAND))
    return ", ".join(parts)
