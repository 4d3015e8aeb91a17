"""``{% submission_token %}``: the hidden field that lets a portal form be sent twice without doing
the thing twice (wfs_portal.idempotency.once_per_submission)."""

from django import template
from django.utils.html import format_html

from wfs_portal.idempotency import SUBMISSION_FIELD, new_submission_token

register = template.Library()


@register.simple_tag
def submission_token():
    return format_html('<input type="hidden" name="{}" value="{}">', SUBMISSION_FIELD, new_submission_token())
