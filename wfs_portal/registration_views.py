"""What the portal's pages for registering share (joint booths, delegation trips, project
workshops): a submitted form handed to the app's service, the organisation's own registrations
with the withdraw button where it still may, and withdrawing one. The apps' views pass in their
services, selectors and texts."""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect

from wfs_portal.portal import active_organisation, add_errors, render_portal
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


def own_registrations_page(
    request, template: str, *, name: str, of_organisation: Callable, may_withdraw: Callable[[object], bool]
):
    """The registrations of the organisation the user acts for (``of_organisation(organisation)``),
    each with ``may_withdraw`` set, in the context under ``name``."""
    organisation = active_organisation(request)
    registrations = list(of_organisation(organisation)) if organisation is not None else []
    for registration in registrations:
        registration.may_withdraw = may_withdraw(registration)
    return render_portal(request, template, {name: registrations})


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
