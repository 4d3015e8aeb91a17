"""What every portal view (/portal/) shares: the login and verified-e-mail guard, the organisation
the user acts for, and rendering with the organisation switcher. The apps' portal views
(companies, fairs, delegations, projects) build on these."""

import functools

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render

from companies.models import Organisation
from companies.selectors import represented_organisations

ACTIVE_ORGANISATION_SESSION_KEY = "portal_active_organisation"


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


def active_organisation(request, organisations: list[Organisation] | None = None) -> Organisation | None:
    """The organisation the user works for right now (kept in the session). It is checked against
    the approved representations on every request, so a withdrawn approval takes effect at once."""
    if organisations is None:
        organisations = list(represented_organisations(request.user))
    chosen = request.session.get(ACTIVE_ORGANISATION_SESSION_KEY)
    for organisation in organisations:
        if organisation.pk == chosen:
            return organisation
    if organisations:
        request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisations[0].pk
        return organisations[0]
    request.session.pop(ACTIVE_ORGANISATION_SESSION_KEY, None)
    return None


def render_portal(request, template: str, context: dict | None = None):
    organisations = list(represented_organisations(request.user))
    base = {
        "portal_organisations": organisations,
        "active_organisation": active_organisation(request, organisations),
    }
    return render(request, template, {**base, **(context or {})})


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
