"""The partnering marketplace in the portal (namespace "portal_marketplace"): every company user
browses and searches the published profiles and the verified organisations of others, in German
or English, with the directory's search (companies/search.py) and filters; paged. A profile or
organisation that is not (or no longer) public gives 404. Contact persons are never shown: contact
comes through an introduction."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from companies.models.organisations import Organisation
from companies.portal import active_organisation, render_portal
from companies.search import in_order, organisation_search_ids, profile_search_ids
from marketplace.filtersets import MarketplaceOrganisationFilterSet, MarketplaceProfileFilterSet
from marketplace.selectors import (
    marketplace_organisation,
    marketplace_organisations,
    marketplace_profiles,
    published_profile_count,
)
from matchmaking.selectors import match_partners
from wfs_portal.portal import portal_view

PER_PAGE = 20


def _listing(request, filterset_class, queryset, search_ids):
    """The filter form, whether it narrows anything, and the page asked for. With a search, the
    page is cut from the ranked ids (their number is the count) and only its rows are read."""
    filterset = filterset_class(request.GET or None, queryset=queryset)
    filterset.shown_fields = [filterset.form[name] for name in filterset_class.shown]
    filterset.narrowed = False
    number = request.GET.get("page")
    if not (filterset.is_bound and filterset.is_valid()):
        return filterset, False, Paginator(queryset, PER_PAGE).get_page(number)
    filtered = any(filterset.form.cleaned_data.values())
    # The filters beside the search box are open when one of them narrows the list.
    filterset.narrowed = any(value for name, value in filterset.form.cleaned_data.items() if name != "q")
    text = filterset.form.cleaned_data.get("q") or ""
    if not text.strip():
        return filterset, filtered, Paginator(filterset.qs, PER_PAGE).get_page(number)
    without_search = request.GET.copy()
    without_search.pop("q")
    narrowed = filterset_class(without_search, queryset=queryset).qs
    page = Paginator(search_ids(narrowed, text), PER_PAGE).get_page(number)
    page.object_list = list(in_order(queryset, page.object_list))
    return filterset, filtered, page


def _introduction_partner(request, organisation: Organisation) -> bool:
    """May the user's organisation ask for an introduction to this one from its match list?"""
    own = active_organisation(request)
    return own is not None and match_partners(own).filter(pk=organisation.pk).exists()


@require_GET
@portal_view
def profile_list(request):
    filterset, filtered, page = _listing(
        request, MarketplaceProfileFilterSet, marketplace_profiles(), profile_search_ids
    )
    return render_portal(
        request,
        "portal/marketplace/profile_list.html",
        {"filterset": filterset, "filtered": filtered, "page": page, "tab": "profiles"},
    )


@require_GET
@portal_view
def organisation_list(request):
    filterset, filtered, page = _listing(
        request, MarketplaceOrganisationFilterSet, marketplace_organisations(), organisation_search_ids
    )
    counts = published_profile_count([o.pk for o in page.object_list])
    for organisation in page.object_list:
        organisation.profile_count = counts.get(organisation.pk, 0)
    return render_portal(
        request,
        "portal/marketplace/organisation_list.html",
        {"filterset": filterset, "filtered": filtered, "page": page, "tab": "organisations"},
    )


@require_GET
@portal_view
def profile_detail(request, pk: int):
    profile = get_object_or_404(marketplace_profiles().prefetch_related("sectors", "technology_fields"), pk=pk)
    return render_portal(
        request,
        "portal/marketplace/profile_detail.html",
        {
            "profile": profile,
            "organisation": profile.organisation,
            "own": active_organisation(request) == profile.organisation,
            "introduction_possible": _introduction_partner(request, profile.organisation),
        },
    )


@require_GET
@portal_view
def organisation_detail(request, pk: int):
    try:
        organisation = marketplace_organisation(pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
    return render_portal(
        request,
        "portal/marketplace/organisation_detail.html",
        {
            "organisation": organisation,
            "own": active_organisation(request) == organisation,
            "introduction_possible": _introduction_partner(request, organisation),
        },
    )
