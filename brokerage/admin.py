"""Brokerage events in the staff admin: the event with its sessions and meeting points, its
participants (validation), meeting requests and meetings; the scheduler is an action."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from brokerage.models import (
    BrokerageEvent,
    EventSession,
    Meeting,
    MeetingPoint,
    MeetingRequest,
    Participant,
)
from brokerage.services import events, meetings, participants
from wfs_portal.admin import WfsModelAdmin, service_action
from wfs_portal.l10n import format_decimal


class SessionInline(admin.TabularInline):
    model = EventSession
    extra = 0


class PointInline(admin.TabularInline):
    model = MeetingPoint
    extra = 0


@admin.register(BrokerageEvent)
class BrokerageEventAdmin(WfsModelAdmin):
    list_display = ["title", "state", "format", "scheduling", "registration_deadline"]
    list_filter = ["state", "format", "scheduling"]
    search_fields = ["title", "place"]
    autocomplete_fields = ["trade_fair", "delegation", "workshop"]
    inlines = [SessionInline, PointInline]
    actions = ["run_scheduler", "publish_schedule"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for session in form.instance.sessions.all():
            events.session_slots_update(session)

    @admin.action(description=_("Run the scheduler (proposal, not yet published)"), permissions=["change"])
    def run_scheduler(self, request, queryset):
        for event in queryset:
            figures = meetings.schedule_run(event, user=request.user)
            self.message_user(
                request,
                _("%(event)s: %(placed)s of %(requests)s accepted requests placed (at most %(bound)s possible).")
                % {
                    "event": event,
                    "placed": format_decimal(figures["placed"]),
                    "requests": format_decimal(figures["requests"]),
                    "bound": format_decimal(figures["upper_bound"] or 0),
                },
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish the schedule to the participants"), permissions=["change"])
    def publish_schedule(self, request, queryset):
        for event in queryset:
            count = meetings.schedule_publish(event, user=request.user)
            self.message_user(
                request,
                ngettext("%(event)s: %(count)s meeting published.", "%(event)s: %(count)s meetings published.", count)
                % {"event": event, "count": format_decimal(count)},
                messages.SUCCESS,
            )


@admin.register(Participant)
class ParticipantAdmin(WfsModelAdmin):
    list_display = ["organisation", "event", "attendance", "state", "languages"]
    list_filter = ["state", "attendance", "event"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
    actions = ["validate", "reject"]

    validate = service_action(
        _("Validate the selected participants"),
        lambda admin_, participant, user: participants.participant_decide(participant, validated=True, user=user),
        lambda count: ngettext("%(count)s participant validated.", "%(count)s participants validated.", count),
    )
    reject = service_action(
        _("Reject the selected participants"),
        lambda admin_, participant, user: participants.participant_decide(participant, validated=False, user=user),
        lambda count: ngettext("%(count)s participant rejected.", "%(count)s participants rejected.", count),
    )


@admin.register(MeetingRequest)
class MeetingRequestAdmin(WfsModelAdmin):
    list_display = ["__str__", "event", "state", "mutual", "score", "expires_at"]
    list_filter = ["state", "mutual", "event"]
    search_fields = ["requester__organisation__name", "recipient__organisation__name"]
    raw_id_fields = ["requester", "recipient"]


@admin.register(Meeting)
class MeetingAdmin(WfsModelAdmin):
    list_display = ["request", "slot", "point", "booked", "published"]
    list_filter = ["published", "booked", "request__event"]
    raw_id_fields = ["request", "slot", "point"]
