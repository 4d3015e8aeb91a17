"""The computed matches in the admin: filters by score and signal, the export, pinning and hiding."""

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import keep_lazy_text
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from companies.models.classifications import TechnologyField
from companies.models.profiles import PartneringProfile
from matchmaking.admin.base import RunMatchingPermission, percent, percent_display
from matchmaking.engine import reason_flags as flags
from matchmaking.engine.vocabulary import FIELDS
from matchmaking.models.matches import Match
from matchmaking.reasons import render_all, render_one
from matchmaking.selectors import active_generation_id
from matchmaking.services.engines import matching_params
from matchmaking.services.steering import match_override_set
from wfs_portal.admin import DerivedDataAdmin, run_service_action
from wfs_portal.spreadsheets import escape_formula


class ScoreFilter(admin.SimpleListFilter):
    title = _("score")
    parameter_name = "score"

    def lookups(self, request, model_admin):
        # The parameter stays the fraction that is stored (bookmarked links keep working).
        return [(value, f"≥ {percent(float(value))}") for value in ("0.7", "0.5", "0.3")]

    def queryset(self, request, queryset):
        return queryset.filter(score__gte=float(self.value())) if self.value() else queryset


class SignalFilter(admin.SimpleListFilter):
    """Matches whose reasons include one signal (offer ↔ need, shared field, cross-sector, …)."""

    title = _("signal")
    parameter_name = "signal"

    def lookups(self, request, model_admin):
        return [
            (flags.PARTNER_OFFERS, _("partner offers what is looked for")),
            (flags.PARTNER_NEEDS, _("partner looks for what is offered")),
            (flags.CO_OPERATION, _("joint project of the same kind")),
            (flags.SHARED_FIELD, _("shared technology field")),
            (flags.CROSS_SECTOR, _("different sectors")),
            (flags.SAME_DISTRICT, _("same district")),
            (flags.SHARED_CLUSTER, _("same cluster")),
            (flags.FEEDBACK_SIMILAR, _("feedback")),
            (flags.PINNED, _("pinned by staff")),
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.annotate(_signal=F("reason_flags").bitand(int(self.value()))).filter(_signal__gt=0)


@keep_lazy_text
def _percent_column(title: str) -> str:
    """A column of whole percentages: "Score (%)"."""
    return f"{capfirst(title)} (%)"


class _PercentWidget(widgets.Widget):
    """A fraction in [0, 1] (feedback also below 0) as whole percent: a number, never escaped."""

    def render(self, value, obj=None, **kwargs):
        return round(value * 100)


def _percent_field(name: str) -> fields.Field:
    """A score or score component of Match, titled with its field's name and "(%)"."""
    title = _percent_column(Match._meta.get_field(name).verbose_name)
    return fields.Field(attribute=name, column_name=title, widget=_PercentWidget())


class MatchExportResource(resources.ModelResource):
    """The match list's "Export selected" as staff read the list: ranks from 1, scores and their
    components in percent (whole numbers), the pinned mark and the reasons in words; organisations by
    name, escaped as texts (wfs_portal.spreadsheets), since companies choose their names."""

    organisation = fields.Field(column_name=capfirst(_("organisation")))
    rank = fields.Field(column_name=capfirst(_("rank")))
    partner = fields.Field(column_name=capfirst(_("partner")))
    score = _percent_field("score")
    pinned = fields.Field(column_name=capfirst(_("pinned by staff")))
    reasons = fields.Field(column_name=capfirst(_("reasons")))
    text = _percent_field("text")
    text_forward = _percent_field("text_forward")
    text_backward = _percent_field("text_backward")
    structure = _percent_field("structure")
    fit = _percent_field("fit")
    feedback = _percent_field("feedback")

    class Meta:
        model = Match
        fields = export_order = (
            "organisation", "rank", "partner", "score", "pinned", "reasons",
            "text", "text_forward", "text_backward", "structure", "fit", "feedback",
        )  # fmt: skip

    def export(self, queryset=None, **kwargs):
        if queryset is not None:
            # One query for the rows, read once: the reasons of all of them are rendered together.
            queryset = list(queryset.select_related("organisation", "partner").order_by("organisation__name", "rank"))
            self._reasons = render_all(queryset)
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_organisation(self, match):
        return escape_formula(match.organisation.name)

    def dehydrate_rank(self, match):
        return match.rank + 1

    def dehydrate_partner(self, match):
        return escape_formula(match.partner.name)

    def dehydrate_pinned(self, match):
        return gettext("Yes") if match.pinned else gettext("No")

    def dehydrate_reasons(self, match):
        return escape_formula(getattr(self, "_reasons", {}).get(match.pk, ""))


@admin.register(Match)
class MatchAdmin(RunMatchingPermission, DerivedDataAdmin):
    """The active generation's matches; staff pin a partner into a list or hide it.

    Shown as staff read them: ranks from 1 (stored from 0), scores as percentages, the reasons in
    words and the profiles behind them by title. A list's order is the engine's, not the scores':
    pinned partners come first, and where a diversity penalty is set (``Params.mmr_diversity``;
    none with the learned score) the re-ranking can put a partner above a slightly better-scored
    one that resembles partners already placed (same kind and NACE section). The list page says so."""

    list_display = ["organisation", "rank_display", "partner", "score_percent", "reasons_text"]
    list_filter = [ScoreFilter, SignalFilter, "pinned"]
    search_fields = ["organisation__name", "partner__name"]
    autocomplete_fields = ["organisation", "partner"]
    list_select_related = ["organisation", "partner"]
    # Each organisation's list together, in its own order (by name for people; the id keeps two
    # organisations of the same name apart).
    ordering = ["organisation__name", "organisation_id", "rank"]
    actions = ["pin", "hide"]
    change_list_template = "admin/matchmaking/match/change_list.html"  # the note on the order
    change_form_template = "admin/matchmaking/match/change_form.html"  # the name with the score in %
    fieldsets = [
        (None, {"fields": ["organisation", "partner", "rank_display", "score_percent", "pinned_text"]}),
        (_("Reasons"), {"fields": ["reasons_text", "request_profile", "offer_profile", "shared_fields_text"]}),
        (
            _("Score components"),
            {
                "fields": [
                    "text_percent",
                    "text_forward_percent",
                    "text_backward_percent",
                    "structure_percent",
                    "fit_percent",
                    "feedback_percent",
                ]
            },
        ),
        (None, {"fields": ["generation"]}),
    ]
    readonly_fields = [
        "rank_display",
        "score_percent",
        "pinned_text",
        "reasons_text",
        "request_profile",
        "offer_profile",
        "shared_fields_text",
        "text_percent",
        "text_forward_percent",
        "text_backward_percent",
        "structure_percent",
        "fit_percent",
        "feedback_percent",
    ]

    def get_export_resource_classes(self, request):
        return [MatchExportResource]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(generation_id=active_generation_id())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        diversity = matching_params().mmr_diversity
        points = number_format(round(diversity * 100)) if diversity else None
        return super().changelist_view(request, {**(extra_context or {}), "diversity_points": points})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        match = self.get_object(request, object_id)
        if match is not None:
            subtitle = f"{match.organisation} → {match.partner} ({percent(match.score)})"
            extra_context = {**(extra_context or {}), "subtitle": subtitle}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("rank"), ordering="rank")
    def rank_display(self, obj):
        if obj.pinned:
            return format_html(
                '{} <span class="match-pinned">{}</span>', number_format(obj.rank + 1), _("pinned by staff")
            )
        return number_format(obj.rank + 1)

    score_percent = percent_display("score")

    @admin.display(description=_("pinned by staff"))
    def pinned_text(self, obj):
        return gettext("Yes") if obj.pinned else gettext("No")

    @admin.display(description=_("reasons"))
    def reasons_text(self, obj):
        # The list renders the whole page at once (get_changelist_instance); the detail one.
        text = getattr(obj, "reasons_text", None)
        return render_one(obj) if text is None else text

    def _profile(self, pk: int):
        if not pk:
            return "—"
        profile = PartneringProfile.objects.select_related("organisation").filter(pk=pk).first()
        if profile is None:
            return _("(deleted since)")
        return format_html(
            '<a href="{}">„{}“</a> ({})',
            reverse("admin:companies_partneringprofile_change", args=[profile.pk]),
            profile.title,
            profile.organisation,
        )

    @admin.display(description=_("profile looked for"))
    def request_profile(self, obj):
        return self._profile(obj.request_profile_ref)

    @admin.display(description=_("profile offered"))
    def offer_profile(self, obj):
        return self._profile(obj.offer_profile_ref)

    @admin.display(description=_("shared technology fields"))
    def shared_fields_text(self, obj):
        slugs = [slug for bit, slug in enumerate(FIELDS) if obj.shared_fields >> bit & 1]
        names = {field.slug: field.name for field in TechnologyField.objects.filter(slug__in=slugs)}
        return ", ".join(names.get(slug, slug) for slug in slugs) or "—"

    text_percent = percent_display("text")
    text_forward_percent = percent_display("text_forward")
    text_backward_percent = percent_display("text_backward")
    structure_percent = percent_display("structure")
    fit_percent = percent_display("fit")
    feedback_percent = percent_display("feedback")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Rendered for the whole page at once (two queries), kept on the page's own objects.
        texts = render_all(changelist.result_list)
        for match in changelist.result_list:
            match.reasons_text = texts[match.pk]
        return changelist

    def _override(self, request, queryset, action, done):
        run_service_action(
            self,
            request,
            queryset.select_related("organisation", "partner"),
            lambda match, user: match_override_set(
                organisation=match.organisation, partner=match.partner, action=action, user=user
            ),
            done,
        )

    @admin.action(description=_("Pin selected partners into the lists"), permissions=["run_matching"])
    def pin(self, request, queryset):
        self._override(
            request, queryset, "pin", lambda n: ngettext("%(count)d match pinned.", "%(count)d matches pinned.", n)
        )

    @admin.action(description=_("Hide selected partners from the lists"), permissions=["run_matching"])
    def hide(self, request, queryset):
        self._override(
            request, queryset, "hide", lambda n: ngettext("%(count)d match hidden.", "%(count)d matches hidden.", n)
        )
