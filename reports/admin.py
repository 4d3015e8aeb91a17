"""Reports in the staff admin: request one, watch its progress, open the frozen figures with their
drill-down, download the exports, retry a failed one, regenerate a new version and see what
changed."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports import kpis, services
from reports.choices import ReportKind, ReportState
from reports.models import Report

EXPORTS = {
    "xlsx": ("xlsx_file", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("pdf_file", "application/pdf"),
    "csv": ("csv_file", "text/csv; charset=utf-8"),
}
SOURCES_PER_PAGE = 200


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ReportKind.choices, initial=ReportKind.ANNUAL)
    year = forms.IntegerField(label=_("year"), min_value=1990, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("quarter"), choices=[("", "—"), (1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")], coerce=int, required=False
    )
    start = forms.DateField(label=_("period from"), required=False, help_text=_("Custom period only."))
    end = forms.DateField(label=_("period to"), required=False, help_text=_("Custom period only."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period"] = services.report_period(
                kind=data["kind"],
                year=data.get("year"),
                quarter=data.get("quarter") or None,
                start=data.get("start"),
                end=data.get("end"),
            )
        except ValidationError as exc:
            mapping = {"period_start": "start", "period_end": "end"}
            for field, errors in exc.update_error_dict({}).items():
                self.add_error(mapping.get(field, field) if field != "__all__" else None, errors)
        return data


def readable_differences(old: Report, new: Report) -> list[dict]:
    """services.report_differences with labels in the reader's language instead of keys."""
    from reports import labels
    from reports.formats import format_number
    from reports.kpi_registry import kpi_definition, kpi_label

    rows = {}
    for figures in (old.figures or {}, new.figures or {}):
        for table, table_rows in figures.get("tables", {}).items():
            rows.update({(table, row["key"]): row for row in table_rows})
    readable = []
    for difference in services.report_differences(old, new):
        area, key, metric = difference["area"], difference["key"], difference["metric"]
        if area == "kpis":
            kind = kpi_definition(key).type
            shown = {"area": gettext("Key figures"), "row": "", "metric": kpi_label(key)}
        else:
            table = labels.table_definition(area, [rows.get((area, key), {})])
            column = next((c for c in table.columns if c.key == metric), None)
            kind = column.type if column else "int"
            shown = {
                "area": str(table.title),
                "row": labels.label(area, key, rows.get((area, key))),
                "metric": str(column.label) if column else metric,
            }
        for name in ("old", "new", "delta"):
            value = difference[name]
            shown[name] = "—" if value is None else format_number(Decimal(str(value)), kind)
        readable.append(shown)
    return readable


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "title_display",
        "version",
        "period_start",
        "period_end",
        "state",
        "progress_bar",
        "requested_by",
        "created",
        "downloads",
    ]
    list_filter = ["kind", "state"]
    list_select_related = ["requested_by"]
    date_hierarchy = "period_start"
    list_per_page = 50
    change_list_template = "admin/reports/report/change_list.html"

    # Reports are requested through the form below and written only by their task.
    def has_change_permission(self, request, obj=None):
        return False

    def has_generate_permission(self, request) -> bool:
        return request.user.has_perm("reports.generate_report")

    def has_add_permission(self, request):
        return self.has_generate_permission(request)

    # --- list ---------------------------------------------------------------------------------

    @admin.display(description=_("report"), ordering="period_start")
    def title_display(self, obj):
        return obj.title

    @admin.display(description=_("progress"))
    def progress_bar(self, obj):
        return format_html(
            '<progress class="report-progress" data-report="{}" data-state="{}" max="100" value="{}"></progress> '
            '<span class="report-progress-label" data-report="{}">{} %</span>',
            obj.pk,
            obj.state,
            obj.progress,
            obj.pk,
            obj.progress,
        )

    @admin.display(description=_("files"))
    def downloads(self, obj):
        if obj.state != ReportState.DONE:
            return "—"
        links = [
            format_html(
                '<a href="{}">{}</a>', reverse("admin:reports_report_download", args=[obj.pk, fmt]), fmt.upper()
            )
            for fmt in EXPORTS
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "status_url": reverse("admin:reports_report_status")}
        return super().changelist_view(request, extra_context)

    # --- urls ---------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("status/", view(self.status_view), name="reports_report_status"),
            path("<int:pk>/download/<str:fmt>/", view(self.download_view), name="reports_report_download"),
            path("<int:pk>/export/<str:fmt>/", view(self.export_view), name="reports_report_export"),
            path("<int:pk>/sources/<str:kpi>/", view(self.sources_view), name="reports_report_sources"),
            path("<int:pk>/regenerate/", view(self.regenerate_view), name="reports_report_regenerate"),
            path("<int:pk>/retry/", view(self.retry_view), name="reports_report_retry"),
            *super().get_urls(),
        ]

    def _report(self, request, pk) -> Report:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(Report, pk=pk)

    # --- request a report ---------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ReportRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            start, end = form.cleaned_data["period"]
            report = services.report_request(kind=form.cleaned_data["kind"], start=start, end=end, user=request.user)
            self.message_user(request, gettext("%(report)s has been queued.") % {"report": report})
            return HttpResponseRedirect(reverse("admin:reports_report_change", args=[report.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Generate a report"),
            "form": form,
        }
        return TemplateResponse(request, "admin/reports/report/request.html", context)

    # --- one report ---------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self._report(request, object_id)
        figures = report.figures or {}
        headline = []
        if figures:
            from reports.formats import format_number
            from reports.kpi_registry import KPIS

            values = kpis.headline(figures)
            for key, kpi in KPIS.items():
                source = figures.get("sources", {}).get(key)
                headline.append(
                    {
                        "key": key,
                        "label": str(kpi.label),
                        "value": format_number(values[key], kpi.type),
                        "records": len(source["ids"]) if source else None,
                        "url": reverse("admin:reports_report_sources", args=[report.pk, key]) if source else None,
                    }
                )
        previous = report.previous
        versions = Report.objects.filter(
            kind=report.kind, period_start=report.period_start, period_end=report.period_end
        ).order_by("-version")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(report),
            "report": report,
            "headline": headline,
            "previous": previous,
            "differences": readable_differences(previous, report) if previous else [],
            "versions": versions,
            "latest_version": versions.aggregate(v=Max("version"))["v"],
            "can_generate": self.has_generate_permission(request),
            "exports": list(EXPORTS),
            "status_url": reverse("admin:reports_report_status"),
        }
        return TemplateResponse(request, "admin/reports/report/detail.html", context)

    def status_view(self, request):
        """State and progress of the given reports, for the progress bars (polled while they run)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            ids = [int(i) for i in request.GET.get("ids", "").split(",") if i][:100]
        except ValueError:
            return JsonResponse({"error": gettext("ids must be a comma-separated list of numbers.")}, status=400)
        reports = Report.objects.filter(pk__in=ids).only("state", "progress", "error")
        return JsonResponse({str(r.pk): {"state": r.state, "progress": r.progress, "error": r.error} for r in reports})

    def download_view(self, request, pk, fmt):
        """A stored export of a finished report (German), served only to staff who may view reports."""
        report = self._report(request, pk)
        if fmt not in EXPORTS or report.state != ReportState.DONE:
            raise Http404
        field, content_type = EXPORTS[fmt]
        file = getattr(report, field)
        if not file:
            raise Http404
        try:
            handle = file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle, as_attachment=True, filename=file.name.rsplit("/", 1)[-1], content_type=content_type
        )

    def export_view(self, request, pk, fmt):
        """The same frozen figures rendered in another language (``?language=en``)."""
        from reports.exports.render import render

        report = self._report(request, pk)
        language = request.GET.get("language", "de")
        if fmt not in EXPORTS or report.state != ReportState.DONE or language not in ("de", "en"):
            raise Http404
        with translation.override(language):
            title = report.title
        content = render(fmt, report.figures, title=title, language=language, generated_at=report.finished_at)
        response = HttpResponse(content, content_type=EXPORTS[fmt][1])
        name = f"{report.file_stem}-{language}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def sources_view(self, request, pk, kpi):
        """Drill-down: the records a KPI of the frozen report was computed from, as they are today
        (a record deleted since is listed by its id)."""
        from django.apps import apps
        from django.core.paginator import Paginator

        from reports.formats import format_number
        from reports.kpi_registry import kpi_definition, kpi_label

        report = self._report(request, pk)
        source = (report.figures or {}).get("sources", {}).get(kpi)
        if source is None:
            raise Http404
        model = apps.get_model(source["model"])
        page = Paginator(source["ids"], SOURCES_PER_PAGE).get_page(request.GET.get("page"))
        found = model._default_manager.in_bulk(list(page))
        rows = []
        for pk_ in page:
            obj = found.get(pk_)
            url = None
            if obj is not None:
                try:
                    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk_])
                except NoReverseMatch:
                    url = None
            rows.append({"pk": pk_, "obj": obj, "url": url})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{report} – {kpi_label(kpi)}",
            "report": report,
            "kpi_label": kpi_label(kpi),
            "value": format_number(kpis.headline(report.figures).get(kpi), kpi_definition(kpi).type),
            "model_name": model._meta.verbose_name_plural,
            "page": page,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/reports/report/sources.html", context)

    def _post_action(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_generate_permission(request):
            raise PermissionDenied
        report = self._report(request, pk)
        try:
            result = action(report)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reports_report_change", args=[report.pk]))
        return HttpResponseRedirect(reverse("admin:reports_report_change", args=[result.pk]))

    def regenerate_view(self, request, pk):
        def regenerate(report):
            new = services.report_regenerate(report=report, user=request.user)
            self.message_user(request, gettext("Version %(version)d has been queued.") % {"version": new.version})
            return new

        return self._post_action(request, pk, regenerate)

    def retry_view(self, request, pk):
        def retry(report):
            services.report_retry(report=report, user=request.user)
            self.message_user(request, gettext("The report has been queued again."))
            return report

        return self._post_action(request, pk, retry)
