"""The organisation a portal user acts for, and rendering with the organisation switcher: what every
portal view of every app (companies, matchmaking, fairs, delegations, projects) uses after the
shell's login guard (wfs_portal.portal.portal_view)."""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from companies.models.organisations import Organisation
from companies.selectors import represented_organisations

ACTIVE_ORGANISATION_SESSION_KEY = "portal_active_organisation"
# The user's approved organisations are read once per request and kept on it: a view asks for the
# active organisation and then renders the switcher. A view that changes representations redirects.
_REQUEST_CACHE = "_portal_organisations"


def portal_organisations(request) -> list[Organisation]:
    """The organisations the user may act for (approved representations), once per request."""
    if not hasattr(request, _REQUEST_CACHE):
        setattr(request, _REQUEST_CACHE, list(represented_organisations(request.user)))
    return getattr(request, _REQUEST_CACHE)


def active_organisation(request) -> Organisation | None:
    """The organisation the user works for right now (kept in the session). It is checked against
    the approved representations on every request, so a withdrawn approval takes effect at once."""
    organisations = portal_organisations(request)
    chosen = request.session.get(ACTIVE_ORGANISATION_SESSION_KEY)
    for organisation in organisations:
        if organisation.pk == chosen:
            return organisation
    if organisations:
        request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisations[0].pk
        return organisations[0]
    request.session.pop(ACTIVE_ORGANISATION_SESSION_KEY, None)
    return None


def with_active_organisation(view):
    """For a page that adds to the organisation the user acts for (a contact person, a profile): the
    view gets that organisation after the request; a user who acts for none is sent to the portal's
    start page to register or join one."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        organisation = active_organisation(request)
        if organisation is None:
            messages.info(request, _("Register or join an organisation first."))
            return redirect("portal:start")
        return view(request, organisation, *args, **kwargs)

    return wrapper


def render_portal(request, template: str, context: dict | None = None):
    base = {
        "portal_organisations": portal_organisations(request),
        "active_organisation": active_organisation(request),
    }
    return render(request, template, {**base, **(context or {})})


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
