"""The self-service portal's trade fair pages (/portal/fairs/): the state fair programme with its
joint booths, applying for a place, the organisation's registrations and withdrawing one.

Organisations are those of the user's approved representations (active_organisation); a
registration is fetched through them, so another organisation's id gives 404 and changes nothing.
Writes go through fairs.services, which send the e-mails."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.portal import active_organisation, own_registrations_page, render_portal
from companies.selectors import represented_organisations
from fairs import selectors, services
from fairs.audit import REGISTRATION
from fairs.forms import BoothApplicationForm
from fairs.models import BoothRegistration
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import portal_view
from wfs_portal.registration_views import application_form, application_sent, withdraw_and_return


@require_GET
@portal_view
def fair_list(request):
    organisation = active_organisation(request)
    registrations = {}
    if organisation is not None:
        registrations = {r.booth_id: r for r in selectors.organisation_booth_registrations(organisation)}
    fairs = list(selectors.portal_trade_fairs())
    for fair in fairs:
        for booth in fair.public_booths:
            booth.my_registration = registrations.get(booth.pk)
    return render_portal(request, "portal/fairs/fair_list.html", {"fairs": fairs})


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def booth_apply(request, pk: int):
    booth = get_object_or_404(selectors.portal_booths(), pk=pk)
    organisation = active_organisation(request)
    closed_reason = booth.closed_reason
    existing = None
    form = None
    if organisation is not None:
        existing = selectors.organisation_booth_registrations(organisation).filter(booth=booth).first()
    # A second application (another tab, a double click) still goes to the service, which refuses it
    # with a form error; a plain visit shows the existing registration instead of the form.
    if existing is None or request.method == "POST":
        form = application_form(request, BoothApplicationForm, organisation=organisation, closed_reason=closed_reason)
    sent = application_sent(
        request,
        form,
        lambda: services.booth_registration_apply(
            booth=booth,
            organisation=organisation,
            user=request.user,
            reason=REGISTRATION.applied_in_portal,
            declarations_required=True,
            **form.applicant_data(),
        ),
        done=lambda registration: (
            _("Your application for %(booth)s was sent. You will get an e-mail when the agency decides it.")
            % {"booth": booth}
        ),
        to="portal_fairs:registration-list",
    )
    return sent or render_portal(
        request,
        "portal/fairs/booth_apply.html",
        {"booth": booth, "form": form, "closed_reason": closed_reason, "existing": existing},
    )


@require_GET
@portal_view
def registration_list(request):
    return own_registrations_page(
        request,
        "portal/fairs/registration_list.html",
        name="registrations",
        of_organisation=selectors.organisation_booth_registrations,
        may_withdraw=services.booth_registration_may_withdraw,
    )


@require_POST
@portal_view
def registration_withdraw(request, pk: int):
    registration = get_object_or_404(
        BoothRegistration.objects.filter(organisation__in=represented_organisations(request.user)), pk=pk
    )
    return withdraw_and_return(
        request,
        lambda: services.booth_registration_withdraw(registration=registration, user=request.user),
        done=lambda: _("The registration for %(booth)s is withdrawn.") % {"booth": registration.booth},
        to="portal_fairs:registration-list",
    )
