"""What the staff admin of registrations shares (joint booths with their booth registrations,
delegation trips with their participants, project workshops with their join requests): saving a
booth or trip together with the registrations edited inline, and the column that shows whether an
applicant is verified."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from wfs_portal.admin import save_inline_through_service


class RegistrationTargetAdmin:
    """Mixed into the admin of a booth or trip whose registrations (``registration_model``) staff
    edit inline. The booth or trip is saved through ``save_target`` (the app's service: under its
    row lock, wfs_portal.registrations.target_staff_save); the registrations afterwards, one by one
    through ``save_registration`` (the app's service, which checks the capacity), in the admin's
    transaction, still under the lock."""

    registration_model: type[models.Model]

    def save_target(self, target: models.Model, *, user) -> None:
        raise NotImplementedError

    def save_registration(self, registration: models.Model, *, user) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        self.save_target(obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not self.registration_model:
            return super().save_formset(request, form, formset, change)
        save_inline_through_service(
            formset, lambda registration: self.save_registration(registration, user=request.user)
        )


class ApplicantVerification:
    """The column ``organisation_verification`` of a list of registrations or requests: organisations
    that registered themselves may apply before staff verified them, and staff see it here."""

    @admin.display(description=_("verification"), ordering="organisation__verification_state")
    def organisation_verification(self, obj):
        return obj.organisation.get_verification_state_display()
