"""Introduction requests in the admin, brokered by staff through the same services as the portal."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matchmaking.models.introductions import ContactRequest
from matchmaking.services.introductions import contact_request_accept, contact_request_decline
from wfs_portal.admin import (
    WfsModelAdmin,
    service_action,
)


@admin.register(ContactRequest)
class ContactRequestAdmin(WfsModelAdmin):
    """Introduction requests of all organisations. Staff broker them with the actions, which go
    through the same services as the portal (e-mails, double opt-in); the state is not edited by
    hand, and requests are made by the organisations themselves in the portal."""

    list_display = ["requester", "target", "state", "user", "created", "decided_at"]
    list_filter = ["state"]
    search_fields = ["requester__name", "target__name", "message"]
    list_select_related = ["requester", "target", "user"]
    date_hierarchy = "created"
    fields = ["requester", "target", "message", "state", "user", "created", "decided_at"]
    readonly_fields = fields
    actions = ["accept", "decline"]

    def has_add_permission(self, request):
        return False

    accept = service_action(
        _("Accept selected requests on behalf of the requested organisation"),
        lambda modeladmin, obj, user: contact_request_accept(contact_request=obj, user=user),
        lambda n: ngettext("%(count)d introduction accepted.", "%(count)d introductions accepted.", n),
    )
    decline = service_action(
        _("Decline selected requests"),
        lambda modeladmin, obj, user: contact_request_decline(contact_request=obj, user=user),
        lambda n: ngettext("%(count)d introduction declined.", "%(count)d introductions declined.", n),
    )
