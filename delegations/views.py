"""The self-service portal's delegation pages (/portal/delegations/): outbound trips open for
registration, registering persons of the organisation, the organisation's participants and
withdrawing one.

Organisations are those of the user's approved representations (active_organisation); a
participant is fetched through them, so another organisation's id gives 404 and changes nothing.
Writes go through delegations.services, which send the e-mails."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.portal import active_organisation, own_registrations_page, render_portal
from companies.selectors import represented_organisations
from delegations import selectors, services
from delegations.audit import PARTICIPANT
from delegations.forms import ParticipantRegistrationForm
from delegations.models import DelegationParticipant
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import portal_view
from wfs_portal.registration_views import application_form, application_sent, withdraw_and_return


@require_GET
@portal_view
def delegation_list(request):
    organisation = active_organisation(request)
    mine: dict[int, list[DelegationParticipant]] = {}
    if organisation is not None:
        for participant in selectors.organisation_delegation_participants(organisation):
            mine.setdefault(participant.delegation_id, []).append(participant)
    delegations = list(selectors.portal_delegations())
    for delegation in delegations:
        delegation.my_participants = mine.get(delegation.pk, [])
    return render_portal(request, "portal/delegations/delegation_list.html", {"delegations": delegations})


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def participant_register(request, pk: int):
    delegation = get_object_or_404(selectors.portal_delegation_details(), pk=pk)
    organisation = active_organisation(request)
    closed_reason = delegation.closed_reason
    mine = []
    if organisation is not None:
        mine = list(selectors.organisation_delegation_participants(organisation).filter(delegation=delegation))
    form = application_form(
        request, ParticipantRegistrationForm, organisation=organisation, closed_reason=closed_reason
    )
    sent = application_sent(
        request,
        form,
        lambda: services.delegation_participant_apply(
            delegation=delegation,
            organisation=organisation,
            user=request.user,
            reason=PARTICIPANT.applied_in_portal,
            contact_required=True,
            contact=form.cleaned_data["contact"],
        ),
        done=lambda participant: (
            _("%(person)s is registered for %(delegation)s. You will get an e-mail when the agency decides.")
            % {"person": participant.contact, "delegation": delegation}
        ),
        to="portal_delegations:participant-list",
    )
    return sent or render_portal(
        request,
        "portal/delegations/participant_register.html",
        {"delegation": delegation, "form": form, "closed_reason": closed_reason, "mine": mine},
    )


@require_GET
@portal_view
def participant_list(request):
    return own_registrations_page(
        request,
        "portal/delegations/participant_list.html",
        name="participants",
        of_organisation=selectors.organisation_delegation_participants,
        may_withdraw=services.delegation_participant_may_withdraw,
    )


@require_POST
@portal_view
def participant_withdraw(request, pk: int):
    participant = get_object_or_404(
        DelegationParticipant.objects.filter(organisation__in=represented_organisations(request.user)), pk=pk
    )
    return withdraw_and_return(
        request,
        lambda: services.delegation_participant_withdraw(participant=participant, user=request.user),
        done=lambda: (
            _("The registration of %(person)s for %(delegation)s is withdrawn.")
            % {"person": participant.contact or participant.organisation, "delegation": participant.delegation}
        ),
        to="portal_delegations:participant-list",
    )
