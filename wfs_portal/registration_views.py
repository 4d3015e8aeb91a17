"""What the portal's pages for registering share (joint booths, delegation trips, project
workshops): the form to apply with, a submitted form handed to the app's service, and withdrawing a
registration. (The organisation's own registrations are listed by
companies.portal.own_registrations_page.) The apps' views pass in their services, selectors and
texts."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from wfs_portal.portal import add_errors
from wfs_portal.services import constraint_message

T = TypeVar("T")


def call_for_form(form, service: Callable[[], T]) -> T | None:
    """The result of ``service()`` for a valid submitted ``form``; None when the service refused,
    its reasons then being the form's errors. A constraint violation counts as a refusal: a
    concurrent submission (another tab, a colleague) won the unique constraint, and the service's
    transaction has rolled back."""
    try:
        return service()
    except ValidationError as exc:
        add_errors(form, exc)
    except IntegrityError as exc:
        form.add_error(None, constraint_message(exc))
    return None


def application_form(request, form_class: type[forms.Form], *, organisation, closed_reason: str) -> forms.Form | None:
    """The form to apply with, bound to a POST; None while nobody can apply here: the user acts for
    no organisation, or the booth, trip or workshop is closed (``closed_reason``)."""
    if organisation is None or closed_reason:
        return None
    return form_class(request.POST if request.method == "POST" else None, organisation=organisation)


def application_sent(
    request, form: forms.Form | None, apply: Callable[[], T], *, done: Callable[[T], str], to: str
) -> HttpResponseRedirect | None:
    """For a valid submitted ``form``: ``apply()`` (the app's service), then ``done(result)`` as the
    message and the way back to the list ``to``. None when there is nothing to send or the service
    refused (its reasons are then the form's errors): the view shows its page again."""
    if form is None or request.method != "POST" or not form.is_valid():
        return None
    result = call_for_form(form, apply)
    if result is None:
        return None
    messages.success(request, done(result))
    return redirect(to)


def withdraw_and_return(request, withdraw: Callable[[], object], *, done: Callable[[], str], to: str):
    """Withdraw (``withdraw()``, the app's service) and go back to the list ``to``, with ``done()``
    as the message, or the service's refusal (the deadline has passed, a rejected registration)."""
    try:
        withdraw()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done())
    return redirect(to)
