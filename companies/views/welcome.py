"""The public start page at the bare address: what the agency offers companies, institutes and
clinics, and the ways in — sign up or log in to the portal, and for the agency's staff the
administration. Open to everybody; a signed-in visitor is shown the way to their own pages."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from companies.selectors import public_organisations


@require_GET
def welcome(request):
    user = request.user
    return render(
        request,
        "portal/welcome.html",
        {
            # Verified organisations that others may see: the directory a newcomer joins.
            "organisation_count": public_organisations().count(),
            "is_staff": user.is_authenticated and user.is_staff,
        },
    )
