"""What the portal's pages for registering share (joint booths, delegation trips, project
workshops): a submitted form handed to the app's service, and withdrawing a registration. (The
organisation's own registrations are listed by companies.portal.own_registrations_page.) The apps' views pass in their
services, selectors and texts."""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
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
