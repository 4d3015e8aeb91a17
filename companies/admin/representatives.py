"""Representatives in the admin: company users acting for organisations, and their join requests."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from companies.models.representatives import Representative
from companies.services.representatives import representation_approve, representation_decline
from wfs_portal.admin import WfsModelAdmin, service_action


@admin.register(Representative)
class RepresentativeAdmin(WfsModelAdmin):
    """Company users acting for organisations in the portal, and their join requests. Requests are
    decided with the actions (the same rule as in the portal); the state is not edited by hand."""

    list_display = ["user", "organisation", "role", "state", "created", "decided_at", "decided_by"]
    list_filter = ["state", "role"]
    search_fields = ["user__email", "user__username", "organisation__name"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user"]
    readonly_fields = ["state", "decided_at", "decided_by", "created", "updated"]
    list_select_related = ["user", "organisation", "decided_by"]
    fields = ["user", "organisation", "role", "message", "state", "decided_at", "decided_by", "created", "updated"]
    actions = ["approve", "decline"]

    approve = service_action(
        _("Approve selected join requests"),
        lambda modeladmin, obj, user: representation_approve(representative=obj, user=user),
        lambda n: ngettext("%(count)d join request approved.", "%(count)d join requests approved.", n),
    )
    decline = service_action(
        _("Decline selected join requests"),
        lambda modeladmin, obj, user: representation_decline(representative=obj, user=user),
        lambda n: ngettext("%(count)d join request declined.", "%(count)d join requests declined.", n),
    )
