"""Filters of the admin's history page (templates/simple_history/object_history_list.html): the
change reason in the reader's language and the name of who made the change (wfs_portal.history)."""

from django import template

from wfs_portal import history

register = template.Library()


@register.filter
def change_reason(reason: str | None) -> str:
    return history.change_reason_text(reason)


@register.filter
def user_name(user) -> str:
    return history.user_name(user)
