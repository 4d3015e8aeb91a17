"""The portal's partnering profiles: the offers and requests of the organisation the user acts
for — list (every state), create (a draft), edit, publish, renew before expiry, withdraw, delete a draft.

Profiles are fetched through the user's approved representations, so another organisation's
profile gives 404 and changes nothing. Writes go through companies.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.choices import ProfileState
from companies.forms.profiles import PartneringProfileForm
from companies.models.profiles import PartneringProfile
from companies.portal import active_organisation, render_portal, with_active_organisation
from companies.selectors import represented_organisations
from companies.services.organisations import partnering_profile_withdraw, review_required
from companies.services.profiles import (
    RENEWABLE_STATES,
    partnering_profile_create,
    partnering_profile_delete,
    partnering_profile_renew,
    partnering_profile_update,
    renewal_date,
)
from companies.services.reviews import SUBMITTABLE_STATES, partnering_profile_submit
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import add_errors, portal_view


def _profiles(user):
    return PartneringProfile.objects.filter(organisation__in=represented_organisations(user)).select_related(
        "organisation"
    )


def is_public(profile: PartneringProfile) -> bool:
    """Whether partners see the profile now (the rule of selectors.public_profiles)."""
    return (
        profile.state == ProfileState.PUBLISHED
        and profile.valid_until is not None
        and profile.valid_until >= timezone.localdate()
        and profile.organisation.is_verified
    )


@require_GET
@portal_view
def profile_list(request):
    organisation = active_organisation(request)
    profiles = []
    if organisation is not None:
        profiles = list(
            PartneringProfile.objects.filter(organisation=organisation)
            .select_related("organisation")
            .prefetch_related("reviews")
            .order_by("-created", "-pk")
        )
        for profile in profiles:
            profile.is_public = is_public(profile)
            profile.is_renewable = profile.state in RENEWABLE_STATES
            profile.is_submittable = profile.state in SUBMITTABLE_STATES
            profile.needs_review = review_required(profile)
            profile.latest_review = next(iter(profile.reviews.all()), None)
    return render_portal(request, "portal/profiles/list.html", {"organisation": organisation, "profiles": profiles})


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
@with_active_organisation
def profile_create(request, organisation):
    form = PartneringProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = partnering_profile_create(
                organisation=organisation, user=request.user, data=form.profile_data(), **form.classification()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The draft “%(title)s” was saved. Publish it when it is ready.") % {"title": profile.title}
            )
            return redirect("portal:profile-list")
    return render_portal(request, "portal/profiles/form.html", {"form": form, "organisation": organisation})


@require_http_methods(["GET", "POST"])
@portal_view
def profile_edit(request, pk: int):
    profile = get_object_or_404(_profiles(request.user), pk=pk)
    form = PartneringProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            partnering_profile_update(
                profile=profile, user=request.user, data=form.profile_data(), **form.classification()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect("portal:profile-list")
    return render_portal(
        request,
        "portal/profiles/form.html",
        {
            "form": form,
            "organisation": profile.organisation,
            "profile": profile,
            "latest_review": profile.reviews.first(),
        },
    )


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@require_POST
@portal_view
def profile_publish(request, pk: int):
    """Hand the profile in: to the staff review, or published at once where none is required."""
    profile = get_object_or_404(_profiles(request.user), pk=pk)
    try:
        state = partnering_profile_submit(profile=profile, user=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        profile.refresh_from_db()
        if state == ProfileState.PUBLISHED:
            messages.success(
                request,
                _("“%(title)s” is published until %(date)s.")
                % {"title": profile.title, "date": date_format(profile.valid_until)},
            )
        else:
            text = _("“%(title)s” was submitted. The agency reviews it before it is published.")
            messages.success(request, text % {"title": profile.title})
    return redirect("portal:profile-list")


@require_http_methods(["GET", "POST"])
@portal_view
def profile_renew(request, pk: int):
    """The page the reminder e-mail links to: what a renewal does, and the button."""
    profile = get_object_or_404(_profiles(request.user), pk=pk)
    if request.method == "POST":
        try:
            renewed = partnering_profile_renew(profile=profile, user=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            profile.refresh_from_db()
            if renewed:
                text = _("“%(title)s” is renewed and stays published until %(date)s.")
            else:
                text = _("“%(title)s” is already published until %(date)s.")
            messages.success(request, text % {"title": profile.title, "date": date_format(profile.valid_until)})
        return redirect("portal:profile-list")
    return render_portal(
        request,
        "portal/profiles/renew.html",
        {
            "profile": profile,
            "organisation": profile.organisation,
            "renewable": profile.state in RENEWABLE_STATES and profile.organisation.is_verified,
            "new_date": renewal_date(profile),
        },
    )


@require_POST
@portal_view
def profile_withdraw(request, pk: int):
    profile = get_object_or_404(_profiles(request.user), pk=pk)
    if partnering_profile_withdraw(profile=profile, user=request.user):
        messages.success(request, _("“%(title)s” was withdrawn: partners no longer see it.") % {"title": profile.title})
    return redirect("portal:profile-list")


@require_http_methods(["GET", "POST"])
@portal_view
def profile_delete(request, pk: int):
    """Deleting a draft: a page that asks first, the deletion on its POST."""
    profile = get_object_or_404(_profiles(request.user), pk=pk)
    if request.method == "POST":
        title = profile.title
        try:
            partnering_profile_delete(profile=profile, user=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": title})
        return redirect("portal:profile-list")
    return render_portal(
        request,
        "portal/profiles/delete.html",
        {"profile": profile, "organisation": profile.organisation, "deletable": profile.state == ProfileState.DRAFT},
    )
