"""What every portal view (/portal/) shares: the login and verified-e-mail guard, and form errors
from a service's ValidationError. The organisation the user acts for and rendering with the
organisation switcher are the directory's (companies.portal)."""

import functools

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render


def portal_view(view):
    """Login required (anonymous users go to the login page), and a verified e-mail address:
    allauth refuses the login without one, and this also holds for a session that began some
    other way. Staff are exempt: their accounts are made by the agency."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_staff and not EmailAddress.objects.filter(user=user, verified=True).exists():
            return render(request, "portal/email_unverified.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
