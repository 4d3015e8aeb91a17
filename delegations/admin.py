from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from delegations import services
from delegations.models import Delegation, DelegationParticipant, ProgrammeItem
from wfs_portal.admin import RegistrationStateActions, TabularInline, WfsModelAdmin
from wfs_portal.admin_columns import annotation_column
from wfs_portal.choices import RegistrationState
from wfs_portal.registration_admin import ApplicantVerification, RegistrationTargetAdmin


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
class DelegationAdmin(RegistrationTargetAdmin, WfsModelAdmin):
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
    registration_model = DelegationParticipant

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

    def save_target(self, target, *, user):
        services.delegation_staff_save(delegation=target, user=user)

    def save_registration(self, registration, *, user):
        services.delegation_participant_staff_save(participant=registration, user=user)

    @admin.display(description=_("countries"))
    def country_list(self, obj):
        return ", ".join(country.name for country in obj.countries)

    confirmed_count = annotation_column("confirmed_count", _("confirmed organisations"))


@admin.register(DelegationParticipant)
class DelegationParticipantAdmin(RegistrationStateActions, ApplicantVerification, WfsModelAdmin):
    list_display = ["organisation", "organisation_verification", "contact", "delegation", "role", "state", "applied_at"]
    list_filter = ["state", "organisation__verification_state", "role", "delegation__direction", "delegation"]
    search_fields = ["organisation__name", "contact__last_name", "delegation__title"]
    autocomplete_fields = ["delegation", "organisation", "contact"]
    list_select_related = ["organisation", "contact", "delegation"]
    readonly_fields = ["state", "decided_at"]

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
