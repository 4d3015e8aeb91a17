"""The portal's follows: the user's list (with the form to follow a search), following a profile,
stopping a follow; and the page of the digest's signed link, which stops a follow without logging in."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from companies.portal import render_portal, with_active_organisation
from companies.selectors import public_profiles
from interests.forms import SearchFollowForm
from interests.models import Follow
from interests.search import describe
from interests.selectors import active_follows
from interests.services.follows import follow_from_token, follow_profile, follow_search, follow_stop
from wfs_portal.portal import add_errors, portal_view


@require_http_methods(["GET", "POST"])
@portal_view
@with_active_organisation
def follows(request, organisation):
    form = SearchFollowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_search(user=request.user, organisation=organisation, query=form.query())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("You follow the search. New matching profiles come in a weekly e-mail."))
            return redirect("portal_interests:follows")
    rows = list(active_follows(request.user))
    for follow in rows:
        follow.description = describe(follow.query)
    return render_portal(request, "interests/follows.html", {"follows": rows, "form": form})


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_POST
@portal_view
@with_active_organisation
def follow(request, organisation, profile: int):
    profile = get_object_or_404(public_profiles(), pk=profile)
    try:
        follow_profile(user=request.user, organisation=organisation, profile=profile)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("You follow “%(title)s”. Changes come in a weekly e-mail.")
        messages.success(request, text % {"title": profile.title})
    return _back(request, "portal_interests:follows")


@require_POST
@portal_view
def stop(request, pk: int):
    follow = get_object_or_404(Follow.objects.filter(user=request.user), pk=pk)
    if follow_stop(follow=follow, user=request.user):
        messages.success(request, _("You no longer follow it."))
    return _back(request, "portal_interests:follows")


@require_http_methods(["GET", "POST"])
def stop_link(request, token: str):
    """The digest's link: a page that asks first, the stop on its POST (a mail scanner's GET
    changes nothing)."""
    follow = follow_from_token(token)
    if follow is None:
        raise Http404
    stopped = follow.stopped_at is not None
    if request.method == "POST" and not stopped:
        follow_stop(follow=follow)
        stopped = True
    return render_portal(
        request, "interests/stop.html", {"follow": follow, "stopped": stopped, "description": describe(follow.query)}
    )
