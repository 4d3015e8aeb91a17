"""Booth registrations imported from a spreadsheet (admin "Import", CSV or XLSX; the rules in
wfs_portal.imports). A row names the fair (``fair``, ``fair_year``: the year of its first day), the
booth (``booth``: its title, "Sachsen live" when empty) and the organisation (VAT ID, register
number or exact name); a registration is found by booth and organisation. Imported registrations
are applications: their state is only ever changed by staff through the admin's actions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from import_export import fields

from companies.imports import organisation_by_reference
from companies.models.contacts import Contact
from fairs.audit import IMPORT_APPLIED
from fairs.models import BoothRegistration, JointBooth
from wfs_portal.import_widgets import LookupWidget, NumberCell, YesNoCell
from wfs_portal.imports import ValidatedImportResource, cell_text, required_text

DEFAULT_BOOTH_TITLE = "Sachsen live"


def booth_of_row(row) -> JointBooth | None:
    year = NumberCell().clean(row.get("fair_year"))
    booths = JointBooth.objects.filter(
        fair__name__iexact=required_text(row, "fair"),
        fair__start_date__year=year,
        title__iexact=cell_text(row, "booth") or DEFAULT_BOOTH_TITLE,
    )
    return booths.select_related("fair").first()


class BoothRegistrationResource(ValidatedImportResource):
    reason = IMPORT_APPLIED

    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=LookupWidget(organisation_by_reference)
    )
    requested_area_m2 = fields.Field(
        attribute="requested_area_m2", column_name="requested_area_m2", widget=NumberCell(decimal_places=2)
    )
    with_stand_construction = fields.Field(
        attribute="with_stand_construction", column_name="with_stand_construction", widget=YesNoCell()
    )
    de_minimis_declared = fields.Field(
        attribute="de_minimis_declared", column_name="de_minimis_declared", widget=YesNoCell()
    )
    no_double_funding_declared = fields.Field(
        attribute="no_double_funding_declared", column_name="no_double_funding_declared", widget=YesNoCell()
    )
    fair = fields.Field(column_name="fair")
    fair_year = fields.Field(column_name="fair_year")
    booth = fields.Field(column_name="booth")
    contact_email = fields.Field(column_name="contact_email")

    class Meta(ValidatedImportResource.Meta):
        model = BoothRegistration
        name = "booth registrations"
        fields = ["fair", "fair_year", "booth", "organisation", "contact_email", "requested_area_m2"]
        fields += ["with_stand_construction", "products", "co_exhibitors", "de_minimis_declared"]
        fields += ["no_double_funding_declared", "notes"]
        import_id_fields = []

    def row_key(self, row):
        return (
            cell_text(row, "fair").lower(),
            cell_text(row, "fair_year"),
            (cell_text(row, "booth") or DEFAULT_BOOTH_TITLE).lower(),
            cell_text(row, "organisation").lower(),
        )

    def _booth(self, row) -> JointBooth:
        try:
            booth = booth_of_row(row)
        except ValueError as exc:
            raise ValidationError({"fair_year": [str(exc)]}) from exc
        if booth is None:
            raise ValidationError({"booth": [gettext("There is no such joint booth at this fair.")]})
        return booth

    def get_instance(self, instance_loader, row):
        try:
            booth = booth_of_row(row)
            organisation = organisation_by_reference(cell_text(row, "organisation"))
        except Exception:  # an incomplete row: its errors are reported by import_instance
            return None
        if booth is None or organisation is None:
            return None
        return BoothRegistration.objects.filter(booth=booth, organisation=organisation).first()

    def import_related(self, instance, row) -> None:
        errors = {}
        try:
            instance.booth = self._booth(row)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        email = cell_text(row, "contact_email")
        if email and instance.organisation_id:
            instance.contact = Contact.objects.filter(
                organisation_id=instance.organisation_id, email__iexact=email, removed_at__isnull=True
            ).first()
            if instance.contact is None:
                errors["contact_email"] = [gettext("The organisation has no contact person with this e-mail address.")]
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        # The booth's row locked as for every change of a registration (wfs_portal.registrations):
        # a changed area of a confirmed place is checked against the places confirmed now.
        JointBooth.objects.select_for_update().filter(pk=instance.booth_id).exists()
        super().before_save_instance(instance, row, **kwargs)
