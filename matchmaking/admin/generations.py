"""Match generations in the admin: their progress, and starting or resuming a computation."""

from django.contrib import admin
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from matchmaking.admin.base import RunMatchingPermission
from matchmaking.models.generations import MatchGeneration
from matchmaking.services.generations import match_generation_start
from wfs_portal.admin import (
    DerivedDataAdmin,
    duration_text,
)


@admin.register(MatchGeneration)
class MatchGenerationAdmin(RunMatchingPermission, DerivedDataAdmin):
    """Full recomputes: start one, watch its progress, see how long the last one took."""

    # The state is in the name ("#4 Active"); without a column of its own the duration stays in view
    # beside the filters.
    list_display = ["__str__", "progress_bar", "organisations", "started_at", "duration", "requested_by"]
    list_filter = ["state"]
    readonly_fields = [
        "state",
        "progress_bar",
        "organisations",
        "chunks_total",
        "chunks_done",
        "started_at",
        "finished_at",
        "activated_at",
        "duration",
        "requested_by",
        "parameters",
        "error",
    ]
    exclude = ["snapshot"]
    actions = ["start_or_resume"]
    # The start button among the list's tools: the template extends import-export's list (the
    # "Export" button), whose tools show Django's own only with the add permission.
    import_export_change_list_template = "admin/matchmaking/matchgeneration/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = super().get_urls()
        start = path(
            "start/",
            self.admin_site.admin_view(self.start_view),
            name="matchmaking_matchgeneration_start",
        )
        return [start, *urls]

    def start_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_run_matching_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        generation = match_generation_start(user=request.user)
        self.message_user(request, _("Match computation #%(id)s started.") % {"id": generation.pk})
        return HttpResponseRedirect(reverse("admin:matchmaking_matchgeneration_changelist"))

    def changelist_view(self, request, extra_context=None):
        if self.has_run_matching_permission(request):
            extra_context = {**(extra_context or {}), "start_url": reverse("admin:matchmaking_matchgeneration_start")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("progress"))
    def progress_bar(self, obj):
        return format_html(
            '<progress max="100" value="{}"></progress> {} % ({}/{})',
            obj.progress,
            number_format(obj.progress),
            number_format(obj.chunks_done, force_grouping=True),
            number_format(obj.chunks_total, force_grouping=True),
        )

    @admin.display(description=_("duration"))
    def duration(self, obj):
        return duration_text(obj.duration)

    @admin.action(description=_("Start a new computation or resume the one being built"), permissions=["run_matching"])
    def start_or_resume(self, request, queryset):
        generation = match_generation_start(user=request.user)
        self.message_user(request, _("Match computation #%(id)s started.") % {"id": generation.pk})
