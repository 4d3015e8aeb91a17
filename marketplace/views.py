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


def _listing(request, filterset_class, queryset):
    """The filter form, whether it narrows anything, and the page asked for."""
    filterset = filterset_class(request.GET or None, queryset=queryset)
    if filterset.is_bound and filterset.is_valid():
        rows, filtered = filterset.qs, any(filterset.form.cleaned_data.values())
    else:
        rows, filtered = queryset, False
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return filterset, filtered, page


def _introduction_partner(request, organisation: Organisation) -> bool:
    """May the user's organisation ask for an introduction to this one from its match list?"""
    own = active_organisation(request)
    return own is not None and match_partners(own).filter(pk=organisation.pk).exists()


@require_GET
@portal_view
def profile_list(request):
    filterset, filtered, page = _listing(request, MarketplaceProfileFilterSet, marketplace_profiles())
    return render_portal(
        request,
        "portal/marketplace/profile_list.html",
        {"filterset": filterset, "filtered": filtered, "page": page, "tab": "profiles"},
    )


@require_GET
@portal_view
def organisation_list(request):
    filterset, filtered, page = _listing(request, MarketplaceOrganisationFilterSet, marketplace_organisations())
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
