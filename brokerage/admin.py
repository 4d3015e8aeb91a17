"""Brokerage events in the staff admin: the event with its sessions and meeting points, its
participants (validation), meeting requests and meetings; the scheduler is an action."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import XLSX

from brokerage import selectors
from brokerage.models.events import BrokerageEvent, EventSession, MeetingPoint, ParticipationType
from brokerage.models.meetings import Meeting, MeetingOutcome, PartnershipAgreement
from brokerage.models.participants import MeetingRequest, Participant
from brokerage.services import events, meetings, participants
from wfs_portal.admin import WfsModelAdmin, service_action
from wfs_portal.l10n import format_decimal


@admin.action(description=_("Export the selected as a spreadsheet (XLSX)"), permissions=["view"])
def export_xlsx(modeladmin, request, queryset):
    """The list's readable export (the same columns, labels and formula escaping as the CSV) as an
    Excel workbook, for the organiser's lists of participants and meetings."""
    resource = modeladmin.get_export_resource_classes(request)[0]()
    workbook = XLSX()
    response = HttpResponse(
        workbook.export_data(resource.export(queryset=queryset)), content_type=workbook.get_content_type()
    )
    name = slugify(str(modeladmin.model._meta.verbose_name_plural))
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.xlsx"'
    return response


class SessionInline(admin.TabularInline):
    model = EventSession
    extra = 0


class ParticipationTypeInline(admin.TabularInline):
    model = ParticipationType
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        self.event = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Whom a type may ask: the types of the same event.
        if db_field.name == "may_request":
            kwargs["queryset"] = ParticipationType.objects.filter(event=getattr(self, "event", None))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PointInline(admin.TabularInline):
    model = MeetingPoint
    extra = 0
    formfield_overrides = WfsModelAdmin.formfield_overrides


@admin.register(BrokerageEvent)
class BrokerageEventAdmin(WfsModelAdmin):
    list_display = ["title", "state", "format", "scheduling", "registration_deadline", "grid_link"]
    list_filter = ["state", "format", "scheduling"]
    search_fields = ["title", "place"]
    autocomplete_fields = ["trade_fair", "delegation", "workshop"]
    inlines = [SessionInline, PointInline, ParticipationTypeInline]
    readonly_fields = ["last_run", "grid_link"]
    actions = ["run_scheduler", "publish_schedule"]

    def get_urls(self):
        grid = path("<int:pk>/grid/", self.admin_site.admin_view(self.grid_view), name="brokerage_brokerageevent_grid")
        return [grid, *super().get_urls()]

    @admin.display(description=_("schedule"))
    def grid_link(self, event):
        if event.pk is None:
            return "—"
        url = reverse("admin:brokerage_brokerageevent_grid", args=[event.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Grid of slots and tables"))

    def grid_view(self, request, pk: int):
        event = get_object_or_404(BrokerageEvent, pk=pk)
        if not self.has_view_permission(request, event):
            raise PermissionDenied
        points, rows = selectors.schedule_grid(event)
        # One plan per point, to print and lay on its table: its meetings in time order.
        plans = [
            (point, [(row.slot, row.cells[index]) for row in rows if row.cells[index]])
            for index, point in enumerate(points)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Schedule: %(event)s") % {"event": event},
            "event": event,
            "points": points,
            "rows": rows,
            "interpreter_meetings": selectors.interpreter_meetings(event),
            "no_shows": selectors.no_shows(event),
            "plans": [plan for plan in plans if plan[1]],
            "unpublished": any(cell and not cell.published for row in rows for cell in row.cells),
        }
        return TemplateResponse(request, "admin/brokerage/grid.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for session in form.instance.sessions.all():
            events.session_slots_update(session)

    @admin.action(description=_("Run the scheduler (proposal, not yet published)"), permissions=["change"])
    def run_scheduler(self, request, queryset):
        for event in queryset:
            meetings.schedule_start(event)
        self.message_user(
            request,
            _("The scheduler is running. Its proposal appears under Meetings in about a minute; publish it then."),
            messages.SUCCESS,
        )

    @admin.display(description=_("last scheduler run"))
    def last_run(self, event):
        figures = event.schedule_figures
        if not figures:
            return "—"
        return _("%(placed)s of %(requests)s accepted requests placed (at most %(bound)s possible)") % {
            "placed": format_decimal(figures["placed"]),
            "requests": format_decimal(figures["requests"]),
            "bound": format_decimal(figures["upper_bound"] or 0),
        }

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
    list_display = ["organisation", "event", "participation_type", "attendance", "state", "languages"]
    list_filter = ["state", "attendance", "event"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation", "profiles"]
    actions = ["validate", "reject", export_xlsx]

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
    actions = [export_xlsx]
    list_filter = ["published", "booked", "request__event"]
    raw_id_fields = ["request", "slot", "point"]


@admin.register(MeetingOutcome)
class MeetingOutcomeAdmin(WfsModelAdmin):
    """What came of the meetings: the participants' reports, for staff only."""

    list_display = ["meeting", "participant", "verdict", "follow_up_answer", "created"]
    list_filter = ["verdict", "follow_up_answer", "meeting__request__event"]
    search_fields = ["participant__organisation__name", "comment"]
    raw_id_fields = ["meeting", "participant"]
    readonly_fields = ["reported_by", "follow_up_3_sent_at", "follow_up_6_sent_at", "follow_up_answered_at"]


@admin.register(PartnershipAgreement)
class PartnershipAgreementAdmin(WfsModelAdmin):
    list_display = ["__str__", "kind", "signed_on", "meeting"]
    list_filter = ["kind"]
    search_fields = ["organisations__name", "description"]
    autocomplete_fields = ["organisations"]
    raw_id_fields = ["meeting", "introduction"]
    date_hierarchy = "signed_on"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
