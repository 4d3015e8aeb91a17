"""The self-service portal's project workshop pages (/portal/workshops/): workshops open to new
participants, asking to join one and the organisation's requests with their decision.

The organisation is the one the user acts for (active_organisation, among their approved
representations). Writes go through projects.services, which send the e-mails."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from companies.portal import active_organisation, render_portal
from projects import selectors, services
from projects.forms import WorkshopJoinRequestForm
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import portal_view
from wfs_portal.registration_views import application_form, application_sent


@require_GET
@portal_view
def workshop_list(request):
    organisation = active_organisation(request)
    taking_part, requested = set(), set()
    if organisation is not None:
        taking_part = selectors.organisation_workshop_ids(organisation)
        requested = selectors.organisation_open_join_request_workshop_ids(organisation)
    return render_portal(
        request,
        "portal/workshops/workshop_list.html",
        {"workshops": selectors.portal_workshops(), "taking_part": taking_part, "requested": requested},
    )


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def join_request_create(request, pk: int):
    workshop = get_object_or_404(selectors.public_workshops(), pk=pk)
    closed_reason = workshop.closed_reason
    organisation = active_organisation(request)
    form = application_form(request, WorkshopJoinRequestForm, organisation=organisation, closed_reason=closed_reason)
    sent = application_sent(
        request,
        form,
        lambda: services.workshop_join_request_create(
            workshop=workshop,
            organisation=organisation,
            user=request.user,
            message=form.cleaned_data["message"],
            contact=form.cleaned_data["contact"],
        ),
        done=lambda join_request: (
            _("Your request to join %(workshop)s was sent. You will get an e-mail when the agency decides it.")
            % {"workshop": workshop}
        ),
        to="portal_workshops:join-request-list",
    )
    return sent or render_portal(
        request,
        "portal/workshops/join_request.html",
        {"workshop": workshop, "form": form, "closed_reason": closed_reason},
    )


@require_GET
@portal_view
def join_request_list(request):
    organisation = active_organisation(request)
    join_requests = []
    if organisation is not None:
        join_requests = selectors.organisation_workshop_join_requests(organisation)
    return render_portal(request, "portal/workshops/join_request_list.html", {"join_requests": join_requests})
