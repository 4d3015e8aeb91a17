"""The portal's own-data pages: download everything held about the user and their organisations
(JSON, companies.services.privacy), and erase the account."""

import json

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from companies.forms.privacy import AccountErasureForm
from companies.portal import render_portal
from companies.services import privacy as privacy_services
from wfs_portal.portal import add_errors, portal_view


def _may_erase(user) -> bool:
    # Staff accounts are made and closed by the agency, not in the portal.
    return not (user.is_staff or user.is_superuser)


@require_GET
@portal_view
def privacy(request):
    return render_portal(request, "portal/privacy/index.html", {"may_erase": _may_erase(request.user)})


@require_GET
@never_cache
@portal_view
def privacy_export(request):
    data = privacy_services.account_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="wfs-portal-data-{timezone.localdate():%Y-%m-%d}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
@portal_view
def account_erase(request):
    if not _may_erase(request.user):
        if request.method == "POST":
            raise PermissionDenied
        return render_portal(request, "portal/privacy/erase.html", {"may_erase": False})
    form = AccountErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy_services.account_erase(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            logout(request)
            return render(request, "portal/privacy/erased.html")
    return render_portal(request, "portal/privacy/erase.html", {"may_erase": True, "form": form})
