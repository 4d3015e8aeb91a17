"""Numbers for reading in templates: ``{% load numbers %}``, then ``{{ booth.total_area_m2|area }}``
("216 m²", "12,5 m²"), ``{{ fee|amount }}`` ("1.250,00"), ``{{ value|decimal }}`` ("33.300.000").

Django's ``localize`` keeps a Decimal's places ("180,00") and groups digits only with
``USE_THOUSAND_SEPARATOR``, which the project leaves off (wfs_portal.l10n says why)."""

from django import template

from wfs_portal import l10n

register = template.Library()


def _blank(value) -> bool:
    return value is None or value == ""


@register.filter
def decimal(value):
    """Grouped digits, no needless decimals."""
    return "" if _blank(value) else l10n.format_decimal(value)


@register.filter
def area(value):
    """Square metres with the unit."""
    return "" if _blank(value) else l10n.format_area(value)


@register.filter
def amount(value):
    """Euros with cents, without the currency (the text around it names it)."""
    return "" if _blank(value) else l10n.format_amount(value, unit=False)
