from django import forms
from django.contrib import admin, messages
from django.db.models import Count, F
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import keep_lazy_text
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from import_export import fields, resources, widgets

from companies import services
from companies.choices import ApiScope, VerificationState
from companies.models import (
    Cluster,
    ClusterMembership,
    ComplementaryDivisions,
    ConsentRecord,
    Contact,
    ContactRequest,
    Match,
    MatchExclusion,
    MatchFeedback,
    MatchGeneration,
    MatchOverride,
    Organisation,
    PartnerApiKey,
    PartneringProfile,
    Representative,
    Sector,
    TechnologyField,
)
from wfs_portal.admin import (
    ConstraintValidatingModelForm,
    DerivedDataAdmin,
    TabularInline,
    WfsModelAdmin,
    duration_text,
    run_service_action,
)
from wfs_portal.spreadsheets import escape_formula


@admin.register(Sector)
class SectorAdmin(WfsModelAdmin):
    """The classification is reference data: staff may correct a title, not add or remove codes."""

    list_display = ["code", "name_de", "name_en", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name_de", "name_en"]
    readonly_fields = ["code", "level", "parent", "position"]
    fields = ["code", "level", "parent", "name_de", "name_en", "position"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TechnologyField)
class TechnologyFieldAdmin(WfsModelAdmin):
    list_display = ["name_de", "name_en", "organisation_count", "is_active", "position"]
    list_editable = ["position"]
    list_filter = ["is_active"]
    search_fields = ["name_de", "name_en"]
    prepopulated_fields = {"slug": ["name_de"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(organisation_count=Count("organisations", distinct=True))

    @admin.display(description=_("organisations"), ordering="organisation_count")
    def organisation_count(self, obj):
        return obj.organisation_count


class ContactInline(TabularInline):
    model = Contact
    extra = 0
    # The academic title on the person's own page ("Change"): with it the row did not fit the screen.
    fields = ["first_name", "last_name", "position", "email", "phone", "language", "is_primary"]
    show_change_link = True


class OrganisationMembershipInline(TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["cluster"]
    fields = ["cluster", "role", "since", "until"]


class ClusterMemberInline(TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "since", "until"]


class PartneringProfileInline(TabularInline):
    model = PartneringProfile
    extra = 0
    fields = ["type", "title_de", "title_en", "state", "valid_until"]
    readonly_fields = ["state"]
    show_change_link = True


class RepresentativeInline(TabularInline):
    """Who acts for the organisation in the portal; requests are decided under "Representatives"."""

    model = Representative
    fk_name = "organisation"
    extra = 0
    fields = ["user", "role", "state", "decided_at", "decided_by"]
    readonly_fields = ["user", "state", "decided_at", "decided_by"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class AwaitingVerificationFilter(admin.SimpleListFilter):
    """The staff queue: self-registrations nobody has decided yet (oldest first, see get_ordering)."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("awaiting", _("Awaiting verification"))]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(verification_state=VerificationState.SELF_REGISTERED)
        return queryset


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Organisation)
class OrganisationAdmin(WfsModelAdmin):
    list_display = ["name", "kind", "city", "district", "country", "verification_state", "updated"]
    list_filter = [
        AwaitingVerificationFilter,
        "verification_state",
        "kind",
        "district",
        "employee_band",
        "technology_fields",
        ("country", CountryFilter),
    ]
    search_fields = ["name", "city", "register_number", "vat_id", "website"]
    date_hierarchy = "created"
    autocomplete_fields = ["sectors"]
    filter_horizontal = ["technology_fields"]
    readonly_fields = [
        "verification_state",
        "verified_at",
        "verified_by",
        "rejection_reason",
        "logo_link",
        "created",
        "updated",
    ]
    inlines = [ContactInline, OrganisationMembershipInline, PartneringProfileInline, RepresentativeInline]
    actions = ["verify", "reject", "unverify"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "legal_form", "website", "email", "phone", "founded", "employee_band"]}),
        (pgettext_lazy("commercial register", "Register"), {"fields": ["register_court", "register_number", "vat_id"]}),
        (_("Address"), {"fields": ["street", "postal_code", "city", "district", "country"]}),
        (_("Profile"), {"fields": ["description_de", "description_en", "sectors", "technology_fields", "logo_link"]}),
        (
            _("Verification and matchmaking"),
            {
                "fields": [
                    "verification_state",
                    "verified_at",
                    "verified_by",
                    "rejection_reason",
                    "matchmaking_opt_out",
                    "created",
                    "updated",
                ]
            },
        ),
    ]

    def get_ordering(self, request):
        # The queue is worked off in the order the registrations came in.
        if request.GET.get(AwaitingVerificationFilter.parameter_name) == "awaiting":
            return ["created", "pk"]
        return super().get_ordering(request)

    @admin.display(description=_("logo"))
    def logo_link(self, obj):
        # Uploaded by the representatives only: the portal's service checks and re-encodes it.
        if not obj.pk or not obj.logo:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("portal:organisation-logo", args=[obj.pk]), _("Show logo"))

    @admin.action(description=_("Verify selected organisations"), permissions=["change"])
    def verify(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.organisation_verify(organisation=obj, user=user),
            lambda n: ngettext("%(count)d organisation verified.", "%(count)d organisations verified.", n),
        )

    @admin.action(description=_("Withdraw the verification of selected organisations"), permissions=["change"])
    def unverify(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.organisation_unverify(organisation=obj, user=user),
            lambda n: ngettext(
                "The verification of %(count)d organisation was withdrawn.",
                "The verification of %(count)d organisations was withdrawn.",
                n,
            ),
        )

    @admin.action(description=_("Reject selected self-registrations"), permissions=["change"])
    def reject(self, request, queryset):
        # An intermediate page asks for the reason, which the organisation's representatives see.
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            run_service_action(
                self,
                request,
                queryset,
                lambda obj, user: services.organisation_reject(organisation=obj, user=user, reason=reason),
                lambda n: ngettext("%(count)d organisation rejected.", "%(count)d organisations rejected.", n),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject self-registrations"),
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/companies/organisation/reject.html", context)


@admin.register(Cluster)
class ClusterAdmin(WfsModelAdmin):
    list_display = ["name", "acronym", "managing_organisation", "member_count"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["managing_organisation", "sectors"]
    filter_horizontal = ["technology_fields"]
    inlines = [ClusterMemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("managing_organisation")
            .annotate(member_count=Count("memberships", distinct=True))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(WfsModelAdmin):
    list_display = ["organisation", "cluster", "role", "since", "until"]
    list_filter = ["cluster", "role"]
    search_fields = ["organisation__name", "cluster__name"]
    autocomplete_fields = ["organisation", "cluster"]
    list_select_related = ["organisation", "cluster"]


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

    @admin.action(description=_("Approve selected join requests"), permissions=["change"])
    def approve(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.representation_approve(representative=obj, user=user),
            lambda n: ngettext("%(count)d join request approved.", "%(count)d join requests approved.", n),
        )

    @admin.action(description=_("Decline selected join requests"), permissions=["change"])
    def decline(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.representation_decline(representative=obj, user=user),
            lambda n: ngettext("%(count)d join request declined.", "%(count)d join requests declined.", n),
        )


class ConsentInline(TabularInline):
    model = ConsentRecord
    extra = 0
    fields = ["purpose", "given_at", "text_version", "source", "withdrawn_at", "recorded_by"]
    readonly_fields = ["recorded_by"]

    def has_delete_permission(self, request, obj=None):
        # Consent is withdrawn (with a date), never deleted: the record proves what was agreed.
        return False


@admin.register(Contact)
class ContactAdmin(WfsModelAdmin):
    list_display = ["full_name", "organisation", "position", "email", "language", "is_primary"]
    list_filter = ["language", "is_primary", "consents__purpose"]
    search_fields = ["first_name", "last_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]
    inlines = [ConsentInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ConsentRecord:
            for consent_form in formset.forms:
                if consent_form.has_changed() and not consent_form.instance.pk:
                    consent_form.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.full_name


@admin.register(ConsentRecord)
class ConsentRecordAdmin(WfsModelAdmin):
    list_display = ["contact", "purpose", "given_at", "text_version", "source", "withdrawn_at"]
    list_filter = ["purpose", "source", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["contact__first_name", "contact__last_name", "contact__organisation__name"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["recorded_by"]
    list_select_related = ["contact", "contact__organisation"]
    date_hierarchy = "given_at"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PartneringProfile)
class PartneringProfileAdmin(WfsModelAdmin):
    list_display = ["__str__", "organisation", "type", "state", "valid_until", "language"]
    list_filter = ["type", "state", "technology_fields", "stage"]
    search_fields = ["title_de", "title_en", "keywords_de", "keywords_en", "organisation__name"]
    autocomplete_fields = ["organisation", "sectors"]
    filter_horizontal = ["technology_fields"]
    readonly_fields = ["state", "published_at", "created", "updated"]
    list_select_related = ["organisation"]
    date_hierarchy = "created"
    actions = ["publish", "withdraw"]
    fieldsets = [
        (None, {"fields": ["organisation", "type", "stage"]}),
        (_("German"), {"fields": ["title_de", "summary_de", "keywords_de", "partner_sought_de"]}),
        (_("English"), {"fields": ["title_en", "summary_en", "keywords_en", "partner_sought_en"]}),
        (_("Classification"), {"fields": ["technology_fields", "sectors", "target_countries"]}),
        (_("Publication"), {"fields": ["state", "published_at", "valid_until", "created", "updated"]}),
    ]

    @admin.display(description=_("language"))
    def language(self, obj):
        return obj.language.upper()

    @admin.action(description=_("Publish (or renew) selected profiles"), permissions=["change"])
    def publish(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.partnering_profile_publish(profile=obj, user=user),
            lambda n: ngettext("%(count)d profile published.", "%(count)d profiles published.", n),
        )

    @admin.action(description=_("Withdraw selected profiles"), permissions=["change"])
    def withdraw(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.partnering_profile_withdraw(profile=obj, user=user),
            lambda n: ngettext("%(count)d profile withdrawn.", "%(count)d profiles withdrawn.", n),
        )


# --- matchmaking -------------------------------------------------------------------------------


def _percent(value: float) -> str:
    """A score or score component in [0, 1] (feedback also below 0) as a whole percentage: "63 %"."""
    return f"{number_format(round(value * 100))} %"


def _percent_display(name: str):
    """A read-only admin column of a score or score component of Match, as a whole percentage,
    titled with the field's name."""

    @admin.display(description=Match._meta.get_field(name).verbose_name, ordering=name)
    def show(self, obj):
        return _percent(getattr(obj, name))

    return show


@admin.register(MatchGeneration)
class MatchGenerationAdmin(DerivedDataAdmin):
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
    import_export_change_list_template = "admin/companies/matchgeneration/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        from django.urls import path

        urls = super().get_urls()
        start = path(
            "start/",
            self.admin_site.admin_view(self.start_view),
            name="companies_matchgeneration_start",
        )
        return [start, *urls]

    def start_view(self, request):
        from django.http import HttpResponseNotAllowed, HttpResponseRedirect
        from django.urls import reverse

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_run_matching_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        generation = services.match_generation_start(user=request.user)
        self.message_user(request, _("Match computation #%(id)s started.") % {"id": generation.pk})
        return HttpResponseRedirect(reverse("admin:companies_matchgeneration_changelist"))

    def changelist_view(self, request, extra_context=None):
        from django.urls import reverse

        if self.has_run_matching_permission(request):
            extra_context = {**(extra_context or {}), "start_url": reverse("admin:companies_matchgeneration_start")}
        return super().changelist_view(request, extra_context)

    def has_run_matching_permission(self, request):
        return request.user.has_perm("companies.run_matching")

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
        generation = services.match_generation_start(user=request.user)
        self.message_user(request, _("Match computation #%(id)s started.") % {"id": generation.pk})


class ScoreFilter(admin.SimpleListFilter):
    title = _("score")
    parameter_name = "score"

    def lookups(self, request, model_admin):
        # The parameter stays the fraction that is stored (bookmarked links keep working).
        return [(value, f"≥ {_percent(float(value))}") for value in ("0.7", "0.5", "0.3")]

    def queryset(self, request, queryset):
        return queryset.filter(score__gte=float(self.value())) if self.value() else queryset


class SignalFilter(admin.SimpleListFilter):
    """Matches whose reasons include one signal (offer ↔ need, shared field, cross-sector, …)."""

    title = _("signal")
    parameter_name = "signal"

    def lookups(self, request, model_admin):
        from companies.matching import engine as e

        return [
            (e.PARTNER_OFFERS, _("partner offers what is looked for")),
            (e.PARTNER_NEEDS, _("partner looks for what is offered")),
            (e.SHARED_FIELD, _("shared technology field")),
            (e.CROSS_SECTOR, _("different sectors")),
            (e.SAME_DISTRICT, _("same district")),
            (e.SHARED_CLUSTER, _("same cluster")),
            (e.FEEDBACK_SIMILAR, _("feedback")),
            (e.PINNED, _("pinned by staff")),
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
        from companies.matching_reasons import render_all

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
class MatchAdmin(DerivedDataAdmin):
    """The active generation's matches; staff pin a partner into a list or hide it.

    Shown as staff read them: ranks from 1 (stored from 0), scores as percentages, the reasons in
    words and the profiles behind them by title. A list's order is the engine's, not the scores':
    pinned partners come first, and the re-ranking for diversity (companies/matching/engine.py,
    ``Params.diversity``) can put a partner above a slightly better-scored one that resembles
    partners already placed (same kind and NACE section). The list page says so."""

    list_display = ["organisation", "rank_display", "partner", "score_percent", "reasons_text"]
    list_filter = [ScoreFilter, SignalFilter, "pinned"]
    search_fields = ["organisation__name", "partner__name"]
    autocomplete_fields = ["organisation", "partner"]
    list_select_related = ["organisation", "partner"]
    # Each organisation's list together, in its own order (by name for people; the id keeps two
    # organisations of the same name apart).
    ordering = ["organisation__name", "organisation_id", "rank"]
    actions = ["pin", "hide"]
    change_list_template = "admin/companies/match/change_list.html"  # the note on the order
    change_form_template = "admin/companies/match/change_form.html"  # the name with the score in %
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
        from companies.selectors import active_generation_id

        return super().get_queryset(request).filter(generation_id=active_generation_id())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from companies.services.matching import matching_params

        points = number_format(round(matching_params().diversity * 100))
        return super().changelist_view(request, {**(extra_context or {}), "diversity_points": points})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        match = self.get_object(request, object_id)
        if match is not None:
            subtitle = f"{match.organisation} → {match.partner} ({_percent(match.score)})"
            extra_context = {**(extra_context or {}), "subtitle": subtitle}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("rank"), ordering="rank")
    def rank_display(self, obj):
        if obj.pinned:
            return format_html(
                '{} <span class="match-pinned">{}</span>', number_format(obj.rank + 1), _("pinned by staff")
            )
        return number_format(obj.rank + 1)

    score_percent = _percent_display("score")

    @admin.display(description=_("pinned by staff"))
    def pinned_text(self, obj):
        return gettext("Yes") if obj.pinned else gettext("No")

    @admin.display(description=_("reasons"))
    def reasons_text(self, obj):
        from companies.matching_reasons import render_one

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
        from companies.matching.corpus import FIELDS

        slugs = [slug for bit, slug in enumerate(FIELDS) if obj.shared_fields >> bit & 1]
        names = {field.slug: field.name for field in TechnologyField.objects.filter(slug__in=slugs)}
        return ", ".join(names.get(slug, slug) for slug in slugs) or "—"

    text_percent = _percent_display("text")
    text_forward_percent = _percent_display("text_forward")
    text_backward_percent = _percent_display("text_backward")
    structure_percent = _percent_display("structure")
    fit_percent = _percent_display("fit")
    feedback_percent = _percent_display("feedback")

    def get_changelist_instance(self, request):
        from companies.matching_reasons import render_all

        changelist = super().get_changelist_instance(request)
        # Rendered for the whole page at once (two queries), kept on the page's own objects.
        texts = render_all(changelist.result_list)
        for match in changelist.result_list:
            match.reasons_text = texts[match.pk]
        return changelist

    def _override(self, request, queryset, action, done):
        count = 0
        for match in queryset.select_related("organisation", "partner"):
            services.match_override_set(
                organisation=match.organisation, partner=match.partner, action=action, user=request.user
            )
            count += 1
        self.message_user(request, done(count) % {"count": count})

    def has_run_matching_permission(self, request):
        return request.user.has_perm("companies.run_matching")

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


@admin.register(MatchOverride)
class MatchOverrideAdmin(WfsModelAdmin):
    list_display = ["organisation", "partner", "action", "user", "created"]
    list_filter = ["action"]
    search_fields = ["organisation__name", "partner__name"]
    autocomplete_fields = ["organisation", "partner"]
    readonly_fields = ["user"]
    list_select_related = ["organisation", "partner", "user"]

    def save_model(self, request, obj, form, change):
        services.match_override_set(
            organisation=obj.organisation, partner=obj.partner, action=obj.action, user=request.user, note=obj.note
        )

    def delete_model(self, request, obj):
        services.match_override_set(organisation=obj.organisation, partner=obj.partner, action=None, user=request.user)


@admin.register(MatchExclusion)
class MatchExclusionAdmin(WfsModelAdmin):
    list_display = ["__str__", "kind", "is_active", "note"]
    list_filter = ["kind", "is_active"]
    search_fields = ["organisation__name", "other__name", "note"]
    autocomplete_fields = ["organisation", "other"]


@admin.register(MatchFeedback)
class MatchFeedbackAdmin(WfsModelAdmin):
    list_display = ["organisation", "partner", "verdict", "user", "created"]
    list_filter = ["verdict"]
    search_fields = ["organisation__name", "partner__name"]
    autocomplete_fields = ["organisation", "partner"]
    list_select_related = ["organisation", "partner", "user"]
    readonly_fields = ["user"]


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

    @admin.action(
        description=_("Accept selected requests on behalf of the requested organisation"), permissions=["change"]
    )
    def accept(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.contact_request_accept(contact_request=obj, user=user),
            lambda n: ngettext("%(count)d introduction accepted.", "%(count)d introductions accepted.", n),
        )

    @admin.action(description=_("Decline selected requests"), permissions=["change"])
    def decline(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: services.contact_request_decline(contact_request=obj, user=user),
            lambda n: ngettext("%(count)d introduction declined.", "%(count)d introductions declined.", n),
        )


@admin.register(ComplementaryDivisions)
class ComplementaryDivisionsAdmin(WfsModelAdmin):
    list_display = ["first", "second", "note"]
    autocomplete_fields = ["first", "second"]
    search_fields = ["first__code", "first__name_de", "second__code", "second__name_de"]


# --- partner API keys --------------------------------------------------------------------------------


class PartnerApiKeyForm(ConstraintValidatingModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = PartnerApiKey
        fields = ["organisation", "name", "scopes", "expiry_date", "throttle_rate"]


class RevokedFilter(admin.BooleanFieldListFilter):
    """The library's field has no verbose name, so Django's filter would be titled "revoked" in
    every language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("revoked")


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(WfsModelAdmin):
    """Keys of partner organisations: the key is shown once, when it is created.

    The library's fields prefix, created and revoked have no verbose names (and its other texts
    only the English of its own catalog, see locale_overrides/): they are shown through the
    display methods below, whose titles are translated."""

    form = PartnerApiKeyForm
    list_display = ["key_prefix", "name", "organisation", "scope_list", "expiry_date", "last_used_at", "is_revoked"]
    list_filter = [("revoked", RevokedFilter)]
    search_fields = ["name", "prefix", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["key_prefix", "last_used_at"]
        return ["key_prefix", "organisation", "created_at", "last_used_at", "is_revoked"] + (
            ["name", "scopes", "expiry_date", "throttle_rate"] if obj.revoked else []
        )

    def get_fields(self, request, obj=None):
        fields = ["organisation", "name", "scopes", "expiry_date", "throttle_rate"]
        return fields if obj is None else ["key_prefix", *fields, "created_at", "last_used_at", "is_revoked"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit history keeps pointing at it

    @admin.display(description=_("prefix"), ordering="prefix")
    def key_prefix(self, obj):
        return obj.prefix

    @admin.display(description=_("created"), ordering="created")
    def created_at(self, obj):
        return obj.created

    @admin.display(description=_("revoked"), boolean=True, ordering="revoked")
    def is_revoked(self, obj):
        return obj.revoked

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        api_key, key = services.partner_api_key_create(
            organisation=obj.organisation,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            expiry_date=obj.expiry_date,
            throttle_rate=obj.throttle_rate,
            user=request.user,
        )
        obj.pk = api_key.pk
        self.message_user(
            request,
            _("The API key for %(name)s is: %(key)s — store it safely now, it cannot be shown again.")
            % {"name": api_key.name, "key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda key, user: services.partner_api_key_revoke(api_key=key, user=user),
            lambda n: ngettext("%(count)d key revoked.", "%(count)d keys revoked.", n),
        )


# The library's own key model is not used (keys belong to partner organisations); its admin would
# only confuse staff.
try:
    from rest_framework_api_key.models import APIKey

    admin.site.unregister(APIKey)
except admin.sites.NotRegistered:
    pass
