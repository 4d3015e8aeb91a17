"""The self-service portal (/portal/): company users register their organisation or join one,
decide join requests and keep the profile current.

Every view works on the organisations of the user's approved representations
(selectors.represented_organisations) and fetches objects through that scope, so another
organisation's id gives 404 and changes nothing. Writes go through companies.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.choices import RepresentationState, VerificationState
from companies.forms.organisations import (
    JoinRequestForm,
    OrganisationProfileForm,
    OrganisationRegistrationForm,
    OrganisationSearchForm,
)
from companies.images import IMAGE_FORMATS, stored_image_format
from companies.models.organisations import Organisation
from companies.models.representatives import Representative
from companies.portal import ACTIVE_ORGANISATION_SESSION_KEY, active_organisation, render_portal
from companies.portal_home import portal_home
from companies.selectors import join_requests_to_decide, represented_organisations
from companies.services import representatives as representatives_services
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import add_errors, portal_view


@require_GET
@portal_view
def start(request):
    """The home: what is pending for the organisation the user acts for (companies.portal_home),
    then the user's organisations and requests."""
    user = request.user
    organisation = active_organisation(request)
    home = None
    if organisation is not None:
        home = portal_home(user=user, organisation=organisation)
    return render_portal(
        request,
        "portal/start.html",
        {
            "home": home,
            "organisations": represented_organisations(user).prefetch_related("sectors"),
            "my_requests": Representative.objects.filter(user=user)
            .exclude(state=RepresentationState.APPROVED)
            .select_related("organisation")
            .order_by("-updated"),
            "requests_to_decide": home.join_requests if home is not None else join_requests_to_decide(user),
        },
    )


@require_POST
@portal_view
def switch_organisation(request):
    try:
        pk = int(request.POST.get("organisation", ""))
    except ValueError:
        raise Http404 from None
    organisation = get_object_or_404(represented_organisations(request.user), pk=pk)
    request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisation.pk
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "portal:start"
    return redirect(target)


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def organisation_register(request):
    form = OrganisationRegistrationForm(request.POST or None)
    candidates = []
    if request.method == "POST" and form.is_valid():
        try:
            organisation = representatives_services.organisation_register(
                user=request.user,
                data=form.organisation_data(),
                not_a_duplicate=form.cleaned_data["not_a_duplicate"],
                **form.classification(),
            )
        except representatives_services.DuplicateOrganisation as exc:
            candidates = exc.candidates
            form.add_error(None, exc)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            request.session[ACTIVE_ORGANISATION_SESSION_KEY] = organisation.pk
            messages.success(
                request,
                _("%(name)s is registered. Agency staff will verify it; until then it is not shown to others.")
                % {"name": organisation.name},
            )
            return redirect("portal:organisation-edit", pk=organisation.pk)
    return render_portal(
        request,
        "portal/organisation_register.html",
        {
            "form": form,
            "candidates": candidates,
            # Only a similar name or website can be overruled; a VAT ID or register entry cannot.
            "may_confirm": bool(candidates) and not any(c.certain for c in candidates),
        },
    )


def _joinable_organisations():
    return Organisation.objects.exclude(verification_state=VerificationState.REJECTED)


@require_GET
@portal_view
def join_search(request):
    form = OrganisationSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        query = form.cleaned_data["q"]
        results = _joinable_organisations().filter(Q(name__icontains=query) | Q(city__icontains=query))[:25]
    return render_portal(request, "portal/join_search.html", {"form": form, "results": results})


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def join_request(request, pk: int):
    organisation = get_object_or_404(_joinable_organisations(), pk=pk)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            representatives_services.representation_request(
                user=request.user, organisation=organisation, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your request to join %(name)s was sent. You will get an e-mail when it is decided.")
                % {"name": organisation.name},
            )
            return redirect("portal:start")
    return render_portal(request, "portal/join_request.html", {"form": form, "organisation": organisation})


@require_POST
@portal_view
def join_request_decide(request, pk: int):
    representative = get_object_or_404(join_requests_to_decide(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    if request.POST.get("decision") not in ("approve", "decline"):
        return HttpResponse(status=400)
    try:
        if approve:
            representatives_services.representation_approve(representative=representative, user=request.user)
            text = _("%(user)s now represents %(organisation)s.")
        else:
            representatives_services.representation_decline(representative=representative, user=request.user)
            text = _("The request of %(user)s to join %(organisation)s was declined.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, text % {"user": representative.user.email, "organisation": representative.organisation.name}
        )
    return redirect("portal:start")


@require_http_methods(["GET", "POST"])
@portal_view
def organisation_edit(request, pk: int):
    organisation = get_object_or_404(represented_organisations(request.user), pk=pk)
    form = OrganisationProfileForm(request.POST or None, request.FILES or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            # One change: a refused logo leaves the profile fields unsaved as well, as the form shows.
            with transaction.atomic():
                _save_profile(request, organisation, form)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect("portal:organisation-edit", pk=organisation.pk)
    return render_portal(request, "portal/organisation_edit.html", {"form": form, "organisation": organisation})


def _save_profile(request, organisation: Organisation, form: OrganisationProfileForm) -> None:
    representatives_services.organisation_profile_update(
        organisation=organisation,
        user=request.user,
        data=form.organisation_data(),
        **form.classification(),
    )
    if form.cleaned_data["logo"]:
        representatives_services.organisation_logo_set(
            organisation=organisation, user=request.user, upload=form.cleaned_data["logo"]
        )
    elif form.cleaned_data["remove_logo"]:
        representatives_services.organisation_logo_remove(organisation=organisation, user=request.user)


@require_GET
def organisation_logo(request, pk: int):
    """The logo, with the content type taken from the stored bytes (never from the file name) and
    nosniff, so the browser never treats it as anything but that image. Verified organisations'
    logos are public; an unverified one's only for its representatives and staff."""
    visible = Organisation.objects.all()
    if not (request.user.is_authenticated and request.user.is_staff):
        visible = Organisation.objects.filter(
            Q(verification_state=VerificationState.VERIFIED) | Q(pk__in=represented_organisations(request.user))
        )
    organisation = get_object_or_404(visible.exclude(logo=""), pk=pk)
    try:
        with organisation.logo.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        raise Http404 from None
    image_format = stored_image_format(data)
    if image_format is None:
        raise Http404
    response = HttpResponse(data, content_type=IMAGE_FORMATS[image_format][1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = f'inline; filename="logo.{IMAGE_FORMATS[image_format][0]}"'
    response["Cache-Control"] = "private, max-age=300"
    return response
