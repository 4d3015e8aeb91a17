"""The organisation's public profile as others see it: a representative checks what partners and
introduction requests show of their organisation (the same template and fields as the match detail,
companies.selectors._public_profile_lookups), and what is never shown."""

from django.http import Http404
from django.views.decorators.http import require_GET

from companies.models.organisations import Organisation
from companies.portal import render_portal
from companies.selectors import organisation_public_profile
from wfs_portal.portal import portal_view


@require_GET
@portal_view
def organisation_preview(request, pk: int):
    try:
        organisation = organisation_public_profile(request.user, pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
    return render_portal(request, "portal/organisation_preview.html", {"organisation": organisation})
