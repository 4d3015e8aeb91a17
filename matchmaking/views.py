"""The portal's partner matches and introductions (double opt-in).

Matches are those of the organisation the user acts for (companies.portal.active_organisation);
a partner is fetched through selectors.match_partners, so any other organisation's id gives 404.
Introduction requests are fetched through the user's approved representations: the requested side
decides, the requesting side withdraws, nobody else sees them. Writes go through companies.services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from companies.models.organisations import Organisation
from companies.portal import active_organisation, render_portal
from companies.selectors import represented_organisations
from matchmaking.choices import ContactRequestState, FeedbackVerdict
from matchmaking.forms import (
    IntroductionDecisionForm,
    IntroductionRequestForm,
    MatchFeedbackForm,
    MatchFilterForm,
)
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import MatchFeedback
from matchmaking.reasons import render_all
from matchmaking.selectors import (
    introduction_contacts_by_organisation,
    introductions_of,
    match_partners,
    partner_countries,
    portal_matches,
    portal_matches_filtered,
)
from matchmaking.services.introductions import (
    contact_request_accept,
    contact_request_create,
    contact_request_decline,
    contact_request_withdraw,
)
from matchmaking.services.steering import match_feedback_give
from matchmaking.services.visits import portal_visit_record
from wfs_portal.idempotency import once_per_submission
from wfs_portal.portal import add_errors, portal_view
from wfs_portal.services import constraint_message

OPEN_OR_ACCEPTED = (ContactRequestState.REQUESTED, ContactRequestState.ACCEPTED)


def _acting_organisation(request) -> Organisation:
    organisation = active_organisation(request)
    if organisation is None:
        raise Http404
    return organisation


def _introductions_by_partner(organisation: Organisation) -> dict[int, ContactRequest]:
    """The open or accepted introduction with each partner, in either direction."""
    found = {}
    pairs = ContactRequest.objects.filter(
        Q(requester=organisation) | Q(target=organisation), state__in=OPEN_OR_ACCEPTED
    ).order_by("created", "pk")
    for contact_request in pairs:
        partner = (
            contact_request.target_id
            if contact_request.requester_id == organisation.pk
            else contact_request.requester_id
        )
        found[partner] = contact_request
    return found


def _back(request, default: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


# Partners per page of the match list.
MATCHES_PER_PAGE = 20


@require_GET
@portal_view
def match_list(request):
    """The organisation's partner list, filtered (technology field, kind, region, verdict, new since
    the last visit) and paged; the filter's values travel in the paging links. Looking at it counts as
    a visit (matchmaking.services.visits), as the home does."""
    organisation = active_organisation(request)
    context = {"organisation": organisation}
    if organisation is not None:
        visit = portal_visit_record(user=request.user, organisation=organisation)
        form = MatchFilterForm(request.GET or None, countries=partner_countries(visit.partners_seen))
        form.is_valid()
        match_filter = form.match_filter(partners_before=visit.partners_before)
        page = Paginator(portal_matches_filtered(organisation, match_filter), MATCHES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
        reasons = render_all(rows)
        verdicts = dict(MatchFeedback.objects.filter(organisation=organisation).values_list("partner_id", "verdict"))
        introductions = _introductions_by_partner(organisation)
        before = set(visit.partners_before)
        for match in rows:
            match.reasons_text = reasons[match.pk]
            match.verdict = verdicts.get(match.partner_id)
            match.introduction = introductions.get(match.partner_id)
            match.percent = round(match.score * 100)
            match.is_new = match.partner_id not in before
        set_aside = [pk for pk, verdict in verdicts.items() if verdict == FeedbackVerdict.NOT_RELEVANT]
        context |= {
            "form": form,
            "filtered": not match_filter.is_empty,
            "page": page,
            "matches": rows,
            # Partners marked "not relevant" leave the list; here the organisation can change its mind.
            # Below the unfiltered list's last page, where they would have come.
            "set_aside": match_partners(organisation).filter(pk__in=set_aside).exclude(pk__in=visit.partners_seen)
            if match_filter.is_empty and not page.has_next()
            else [],
        }
    return render_portal(request, "portal/matches/list.html", context)


@require_http_methods(["GET", "POST"])
@portal_view
@once_per_submission
def match_detail(request, partner: int):
    organisation = _acting_organisation(request)
    partner = get_object_or_404(match_partners(organisation), pk=partner)
    match = portal_matches(organisation).filter(partner=partner).first()
    if match is not None:
        match.reasons_text = render_all([match])[match.pk]
        match.percent = round(match.score * 100)
    form = IntroductionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_request_create(
                requester=organisation, target=partner, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except IntegrityError as exc:  # a request made at the same moment in another window
            form.add_error(None, constraint_message(exc))
        else:
            messages.success(
                request,
                _("Your request was sent to %(name)s. You will get an e-mail when they decide.")
                % {"name": partner.name},
            )
            return redirect("portal_matches:introductions")
    verdict = (
        MatchFeedback.objects.filter(organisation=organisation, partner=partner)
        .values_list("verdict", flat=True)
        .first()
    )
    return render_portal(
        request,
        "portal/matches/detail.html",
        {
            "organisation": organisation,
            "partner": partner,
            "match": match,
            "verdict": verdict,
            # The latest request between the two, either way and in any state (a decline shows too).
            "introduction": ContactRequest.objects.filter(
                Q(requester=organisation, target=partner) | Q(requester=partner, target=organisation)
            )
            .order_by("-created", "-pk")
            .first(),
            "form": form,
        },
    )


@require_POST
@portal_view
def match_feedback(request, partner: int):
    organisation = _acting_organisation(request)
    partner = get_object_or_404(match_partners(organisation), pk=partner)
    form = MatchFeedbackForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    verdict = form.cleaned_data["verdict"]
    try:
        with transaction.atomic():
            match_feedback_give(organisation=organisation, partner=partner, verdict=verdict, user=request.user)
    except IntegrityError:
        # Two verdicts on the same partner at the same moment (one per pair): the second one
        # finds the first one's row now and changes it.
        match_feedback_give(organisation=organisation, partner=partner, verdict=verdict, user=request.user)
    if verdict == FeedbackVerdict.INTERESTING:
        text = _("%(name)s is marked as interesting.")
    else:
        text = _("%(name)s is marked as not relevant and leaves your list with the next update.")
    messages.success(request, text % {"name": partner.name})
    return _back(request, "portal_matches:matches")


# --- introductions --------------------------------------------------------------------------------


@require_GET
@portal_view
def introduction_list(request):
    organisation = active_organisation(request)
    context = {"organisation": organisation}
    if organisation is not None:
        rows = list(introductions_of([organisation]))
        accepted = [r for r in rows if r.state == ContactRequestState.ACCEPTED]
        for row in rows:
            row.partner = row.target if row.requester_id == organisation.pk else row.requester
        persons = introduction_contacts_by_organisation({r.partner.pk for r in accepted})
        for row in accepted:
            row.partner_contacts = persons[row.partner.pk]
        context |= {
            "incoming": [
                r for r in rows if r.target_id == organisation.pk and r.state == ContactRequestState.REQUESTED
            ],
            "outgoing": [
                r for r in rows if r.requester_id == organisation.pk and r.state == ContactRequestState.REQUESTED
            ],
            "accepted": accepted,
            "closed": [r for r in rows if r.state in (ContactRequestState.DECLINED, ContactRequestState.WITHDRAWN)],
        }
    return render_portal(request, "portal/matches/introductions.html", context)


def _my_introductions(request):
    return introductions_of(represented_organisations(request.user))


@require_GET
@portal_view
def introduction_detail(request, pk: int):
    contact_request = get_object_or_404(_my_introductions(request), pk=pk)
    mine = set(represented_organisations(request.user).values_list("pk", flat=True))
    # The side the user stands on; one who represents both sides reads it as the requester.
    incoming = contact_request.requester_id not in mine
    partner = contact_request.requester if incoming else contact_request.target
    accepted = contact_request.state == ContactRequestState.ACCEPTED
    return render_portal(
        request,
        "portal/matches/introduction_detail.html",
        {
            "introduction": contact_request,
            "incoming": incoming,
            "partner": partner,
            # Double opt-in: the other side's persons only once the request was accepted.
            "partner_contacts": introduction_contacts_by_organisation([partner.pk])[partner.pk] if accepted else None,
        },
    )


@require_POST
@portal_view
def introduction_decide(request, pk: int):
    contact_request = get_object_or_404(
        ContactRequest.objects.filter(target__in=represented_organisations(request.user)), pk=pk
    )
    form = IntroductionDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    name = {"name": contact_request.requester.name}
    if form.cleaned_data["decision"] == "accept":
        service, done = contact_request_accept, _("You accepted the introduction to %(name)s.") % name
    else:
        service, done = contact_request_decline, _("You declined the introduction to %(name)s.") % name
    return _introduction_step(request, service, contact_request, done)


@require_POST
@portal_view
def introduction_withdraw(request, pk: int):
    contact_request = get_object_or_404(
        ContactRequest.objects.filter(requester__in=represented_organisations(request.user)), pk=pk
    )
    done = _("Your request to %(name)s was withdrawn.") % {"name": contact_request.target.name}
    return _introduction_step(request, contact_request_withdraw, contact_request, done)


def _introduction_step(request, service, contact_request: ContactRequest, done: str):
    """Take a step of an introduction through its service and go back to where the user came from:
    ``done`` as the success message, the service's refusal as an error message, 404 where the user
    may not take the step."""
    try:
        service(contact_request=contact_request, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, done)
    return _back(request, "portal_matches:introductions")
