"""The portal's expressions of interest: express interest in a published profile (its page shows
the profile and its questions), the inbox of interests received by the organisation the user acts
for, the list of those it sent, and the detail page with accept / decline / withdraw.

Interests are fetched through the user's approved representations (interests_visible_to), so
anybody else's gives 404. Writes go through interests.services.expressions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.portal import active_organisation, render_portal, with_active_organisation
from companies.selectors import public_profiles, represented_organisations
from interests.choices import InterestState
from interests.forms import AcceptForm, ExpressionOfInterestForm
from interests.models import ExpressionOfInterest
from interests.selectors import (
    consenting_contacts,
    interests_received,
    interests_sent,
    interests_visible_to,
    partner_contact,
)
from interests.services.expressions import interest_accept, interest_decline, interest_express, interest_withdraw
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import add_errors, portal_view


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
@with_active_organisation
def express(request, organisation, profile: int):
    profile = get_object_or_404(public_profiles().select_related("organisation"), pk=profile)
    own = profile.organisation_id == organisation.pk
    open_interest = ExpressionOfInterest.objects.filter(
        profile=profile, organisation=organisation, state=InterestState.REQUESTED
    ).first()
    form = ExpressionOfInterestForm(request.POST or None, profile=profile, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            interest = interest_express(
                profile=profile,
                organisation=organisation,
                user=request.user,
                answers=form.answers(),
                contact=form.cleaned_data["contact"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your interest was sent to %(name)s. You will be told when they answer.")
                % {"name": profile.organisation.name},
            )
            return redirect("portal_interests:detail", interest.pk)
    return render_portal(
        request,
        "interests/express.html",
        {
            "profile": profile,
            "organisation": organisation,
            "form": form,
            "own": own,
            "open_interest": open_interest,
            "has_contacts": consenting_contacts(organisation).exists(),
        },
    )


@require_GET
@portal_view
def received(request):
    organisation = active_organisation(request)
    rows = list(interests_received(organisation)) if organisation is not None else []
    return render_portal(
        request, "interests/list.html", {"interests": rows, "incoming": True, "organisation": organisation}
    )


@require_GET
@portal_view
def sent(request):
    organisation = active_organisation(request)
    rows = list(interests_sent(organisation)) if organisation is not None else []
    return render_portal(
        request, "interests/list.html", {"interests": rows, "incoming": False, "organisation": organisation}
    )


def _side(request, interest: ExpressionOfInterest):
    """The organisation the user reads the interest as: the profile's owner where they represent
    it, the interested organisation otherwise."""
    mine = {o.pk: o for o in represented_organisations(request.user)}
    if interest.profile.organisation_id in mine:
        return mine[interest.profile.organisation_id], True
    return mine[interest.organisation_id], False


@require_GET
@portal_view
def detail(request, pk: int):
    interest = get_object_or_404(interests_visible_to(request.user), pk=pk)
    side, incoming = _side(request, interest)
    return render_portal(
        request,
        "interests/detail.html",
        {
            "interest": interest,
            "incoming": incoming,
            "partner": interest.organisation if incoming else interest.profile.organisation,
            "partner_contact": partner_contact(interest, side),
            "own_contact": interest.owner_contact if incoming else interest.contact,
            "accept_form": AcceptForm(organisation=side) if incoming else None,
        },
    )


def _step(request, interest, service, done: str, **kwargs):
    try:
        changed = service(interest=interest, user=request.user, **kwargs)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if changed:
            messages.success(request, done)
    return redirect("portal_interests:detail", interest.pk)


@require_POST
@portal_view
def accept(request, pk: int):
    interest = get_object_or_404(interests_visible_to(request.user), pk=pk)
    side, incoming = _side(request, interest)
    if not incoming:
        raise PermissionDenied
    form = AcceptForm(request.POST, organisation=side)
    if not form.is_valid():
        messages.error(request, _("Choose a contact person of your organisation who agreed to introductions."))
        return redirect("portal_interests:detail", interest.pk)
    done = _("You accepted the interest of %(name)s: you now see each other's contact person.") % {
        "name": interest.organisation.name
    }
    return _step(request, interest, interest_accept, done, contact=form.cleaned_data["contact"])


@require_POST
@portal_view
def decline(request, pk: int):
    interest = get_object_or_404(interests_visible_to(request.user), pk=pk)
    done = _("You declined the interest of %(name)s.") % {"name": interest.organisation.name}
    return _step(request, interest, interest_decline, done)


@require_POST
@portal_view
def withdraw(request, pk: int):
    interest = get_object_or_404(interests_visible_to(request.user), pk=pk)
    return _step(request, interest, interest_withdraw, _("You withdrew your interest."))
