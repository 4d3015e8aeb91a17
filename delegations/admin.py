from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from delegations import services
from delegations.models import Delegation, DelegationParticipant, ProgrammeItem
from wfs_portal.admin import RegistrationStateActions, TabularInline, WfsModelAdmin, save_inline_through_service
from wfs_portal.choices import RegistrationState


class ParticipantInline(TabularInline):
    model = DelegationParticipant
    extra = 0
    autocomplete_fields = ["organisation", "contact"]
    fields = ["organisation", "contact", "role", "state"]
    # The state changes only through the actions on the participant list, which check capacity.
    readonly_fields = ["state"]
    show_change_link = True


class ProgrammeItemInline(TabularInline):
    model = ProgrammeItem
    extra = 0
    autocomplete_fields = ["host"]
    fields = ["starts_at", "ends_at", "title", "host", "place"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "host" and formfield is not None:
            # The host is picked from the directory; without the add, change and delete buttons
            # beside it the title and the place keep room in the row.
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return formfield


@admin.register(Delegation)
class DelegationAdmin(WfsModelAdmin):
    list_display = [
        "title",
        "direction",
        "country_list",
        "start_date",
        "end_date",
        "state",
        "capacity",
        "confirmed_count",
    ]
    list_filter = ["direction", "state", ("countries", CountryFilter)]
    search_fields = ["title", "theme", "cities", "political_lead"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["sectors", "organiser"]
    inlines = [ParticipantInline, ProgrammeItemInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count(
                    "participants__organisation",
                    filter=Q(participants__state=RegistrationState.CONFIRMED),
                    distinct=True,
                )
            )
        )

    def save_model(self, request, obj, form, change):
        # Under the delegation's row lock (services.delegation_staff_save); the inline participants
        # are saved afterwards in the same transaction, still under it.
        services.delegation_staff_save(delegation=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not DelegationParticipant:
            return super().save_formset(request, form, formset, change)
        save_inline_through_service(
            formset,
            lambda participant: services.delegation_participant_staff_save(participant=participant, user=request.user),
        )

    @admin.display(description=_("countries"))
    def country_list(self, obj):
        return ", ".join(country.name for country in obj.countries)

    @admin.display(description=_("confirmed organisations"), ordering="confirmed_count")
    def confirmed_count(self, obj):
        return obj.confirmed_count


@admin.register(DelegationParticipant)
class DelegationParticipantAdmin(RegistrationStateActions, WfsModelAdmin):
    list_display = ["organisation", "organisation_verification", "contact", "delegation", "role", "state", "applied_at"]
    list_filter = ["state", "organisation__verification_state", "role", "delegation__direction", "delegation"]
    search_fields = ["organisation__name", "contact__last_name", "delegation__title"]
    autocomplete_fields = ["delegation", "organisation", "contact"]
    list_select_related = ["organisation", "contact", "delegation"]
    readonly_fields = ["state", "decided_at"]

    # Self-registered organisations may register before staff verified them: staff see it here.
    @admin.display(description=_("verification"), ordering="organisation__verification_state")
    def organisation_verification(self, obj):
        return obj.organisation.get_verification_state_display()

    def save_model(self, request, obj, form, change):
        services.delegation_participant_staff_save(participant=obj, user=request.user)

    def set_state(self, obj, state, user):
        # Through the service: capacity under the delegation's lock, and the e-mail to the organisation.
        return services.delegation_participant_set_state(participant=obj, state=state, user=user)


@admin.register(ProgrammeItem)
class ProgrammeItemAdmin(WfsModelAdmin):
    list_display = ["title", "delegation", "starts_at", "host", "place"]
    list_filter = ["delegation__direction", "delegation"]
    search_fields = ["title", "place", "delegation__title"]
    autocomplete_fields = ["delegation", "host"]
    date_hierarchy = "starts_at"
    list_select_related = ["delegation", "host"]
