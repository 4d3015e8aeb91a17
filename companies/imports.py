"""The directory's spreadsheet imports (admin "Import", CSV or XLSX; the rules in wfs_portal.imports):
organisations, contact persons with the consent they gave, and cluster memberships.

Columns are the field names below (stable whatever the reader's language). Rows are found by
natural keys: an organisation by its VAT ID, else its register court and number, else its name and
city; a contact person by organisation and e-mail address (or name, without one); a membership by
cluster and organisation. Other tables name an organisation by VAT ID, register number or exact
name."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from import_export import fields

from companies.audit import IMPORT_APPLIED
from companies.choices import ClusterRole, ConsentPurpose, ConsentSource, EmployeeBand, LegalForm, OrganisationKind
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import ENTRY_FIELDS, Organisation
from companies.selectors import register_key
from companies.services.organisations import organisation_changed
from wfs_portal.choices import District, Language
from wfs_portal.import_widgets import ChoiceWidget, DateCell, KeyListWidget, LookupWidget, NumberCell, YesNoCell
from wfs_portal.imports import ValidatedImportResource, cell_text


def organisation_by_reference(text: str) -> Organisation | None:
    """The organisation a cell names: by VAT ID, by register number or by its exact name (an error
    when several share it)."""
    compact = "".join(text.split()).upper()
    found = Organisation.objects.filter(vat_id__iexact=compact).first()
    if found is None:
        number = register_key("", text)[1]
        candidates = Organisation.objects.filter(register_number__icontains=number[-4:]) if number else []
        matches = [o for o in candidates if register_key("", o.register_number)[1] == number]
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        named = list(Organisation.objects.filter(name__iexact=text)[:2])
        if len(named) > 1:
            raise ValueError(
                gettext("Several organisations are called “%(name)s”: name it by its VAT ID.") % {"name": text}
            )
        found = named[0] if named else None
    return found


def _choice(attribute: str, choices, default: str = "") -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=ChoiceWidget(choices, default=default))


class OrganisationResource(ValidatedImportResource):
    reason = IMPORT_APPLIED

    kind = _choice("kind", OrganisationKind.choices)
    legal_form = _choice("legal_form", LegalForm.choices)
    employee_band = _choice("employee_band", EmployeeBand.choices)
    district = _choice("district", District.choices)
    founded = fields.Field(attribute="founded", column_name="founded", widget=NumberCell())
    sectors = fields.Field(attribute="sectors", column_name="sectors", widget=KeyListWidget(Sector, ["code"]))
    technology_fields = fields.Field(
        attribute="technology_fields",
        column_name="technology_fields",
        widget=KeyListWidget(TechnologyField, ["slug", "name_de", "name_en"]),
    )

    class Meta(ValidatedImportResource.Meta):
        model = Organisation
        name = "organisations"
        fields = [*ENTRY_FIELDS, "sectors", "technology_fields", "corporate_group"]
        import_id_fields = []

    def row_key(self, row):
        vat = "".join(cell_text(row, "vat_id").split()).upper()
        if vat:
            return ("vat", vat)
        court, number = register_key(cell_text(row, "register_court"), cell_text(row, "register_number"))
        if number:
            return ("register", court, number)
        return ("name", cell_text(row, "name").lower(), cell_text(row, "city").lower())

    def get_instance(self, instance_loader, row):
        key = self.row_key(row)
        if key[0] == "vat":
            return Organisation.objects.filter(vat_id__iexact=key[1]).first()
        if key[0] == "register":
            digits = "".join(ch for ch in key[2] if ch.isdigit())
            for organisation in Organisation.objects.filter(register_number__contains=digits):
                if register_key(organisation.register_court, organisation.register_number) == key[1:]:
                    return organisation
            return None
        if not key[1]:
            return None
        return Organisation.objects.filter(name__iexact=key[1], city__iexact=key[2]).first()

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        if not self._is_dry_run(kwargs):
            organisation_changed(organisation=instance)


class ContactResource(ValidatedImportResource):
    """Contact persons; a row may also record a consent the person gave (purpose, date, text version
    and source: a consent without its source is refused, since it must stay provable)."""

    reason = IMPORT_APPLIED
    CONSENT_COLUMNS = ("consent_purpose", "consent_given_at", "consent_text_version", "consent_source")

    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=LookupWidget(organisation_by_reference)
    )
    language = _choice("language", Language.choices, default=Language.GERMAN)
    is_primary = fields.Field(attribute="is_primary", column_name="is_primary", widget=YesNoCell())
    consent_purpose = fields.Field(column_name="consent_purpose", widget=ChoiceWidget(ConsentPurpose.choices))
    consent_given_at = fields.Field(column_name="consent_given_at", widget=DateCell(aware=True))
    consent_text_version = fields.Field(column_name="consent_text_version")
    consent_source = fields.Field(column_name="consent_source", widget=ChoiceWidget(ConsentSource.choices))

    class Meta(ValidatedImportResource.Meta):
        model = Contact
        name = "contacts"
        fields = ["organisation", "title", "first_name", "last_name", "position", "email", "phone", "language"]
        fields += ["is_primary", "consent_purpose", "consent_given_at", "consent_text_version", "consent_source"]
        import_id_fields = []

    def row_key(self, row):
        organisation = cell_text(row, "organisation").lower()
        email = cell_text(row, "email").lower()
        if email:
            return (organisation, email)
        return (organisation, cell_text(row, "first_name").lower(), cell_text(row, "last_name").lower())

    def get_instance(self, instance_loader, row):
        try:
            organisation = organisation_by_reference(cell_text(row, "organisation"))
        except ValueError:
            return None
        if organisation is None:
            return None
        contacts = Contact.objects.filter(organisation=organisation)
        email = cell_text(row, "email")
        if email:
            return contacts.filter(email__iexact=email).first()
        return contacts.filter(
            email="", first_name__iexact=cell_text(row, "first_name"), last_name__iexact=cell_text(row, "last_name")
        ).first()

    def import_related(self, instance, row) -> None:
        instance._imported_consent = None
        instance._imported_consent = self._consent(instance, row)

    def _consent(self, contact: Contact, row) -> ConsentRecord | None:
        if not any(cell_text(row, column) for column in self.CONSENT_COLUMNS):
            return None
        values, errors = {}, {}
        for column in self.CONSENT_COLUMNS:
            try:
                values[column] = self.fields[column].clean(row)
            except ValueError as exc:
                errors[column] = [str(exc)]
            else:
                if values[column] in (None, ""):
                    errors[column] = [gettext("A consent needs its purpose, date, text version and source.")]
        if errors:
            raise ValidationError(errors)
        active = ConsentRecord.objects.filter(purpose=values["consent_purpose"], withdrawn_at__isnull=True)
        if contact.pk and active.filter(contact=contact).exists():
            return None  # recorded already (the same file imported again, or given in the portal)
        consent = ConsentRecord(
            purpose=values["consent_purpose"],
            given_at=values["consent_given_at"],
            text_version=str(values["consent_text_version"]),
            source=values["consent_source"],
            recorded_by=self._user,
        )
        try:
            consent.full_clean(exclude=["contact"])
        except ValidationError as exc:
            raise ValidationError({f"consent_{name}": messages for name, messages in exc.message_dict.items()}) from exc
        return consent

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if getattr(instance, "_imported_consent", None) is not None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        consent = getattr(instance, "_imported_consent", None)
        if consent is not None:
            consent.contact = instance
            self.save_related(consent)


def _cluster_by_name(text: str) -> Cluster | None:
    return Cluster.objects.filter(Q(name__iexact=text) | Q(acronym__iexact=text)).first()


class ClusterMembershipResource(ValidatedImportResource):
    reason = IMPORT_APPLIED

    cluster = fields.Field(attribute="cluster", column_name="cluster", widget=LookupWidget(_cluster_by_name))
    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=LookupWidget(organisation_by_reference)
    )
    role = _choice("role", ClusterRole.choices, default=ClusterRole.MEMBER)
    since = fields.Field(attribute="since", column_name="since", widget=DateCell())
    until = fields.Field(attribute="until", column_name="until", widget=DateCell())

    class Meta(ValidatedImportResource.Meta):
        model = ClusterMembership
        name = "cluster memberships"
        fields = ["cluster", "organisation", "role", "since", "until"]
        import_id_fields = []

    def row_key(self, row):
        return (cell_text(row, "cluster").lower(), cell_text(row, "organisation").lower())

    def get_instance(self, instance_loader, row):
        try:
            organisation = organisation_by_reference(cell_text(row, "organisation"))
        except ValueError:
            return None
        cluster = _cluster_by_name(cell_text(row, "cluster"))
        if organisation is None or cluster is None:
            return None
        return ClusterMembership.objects.filter(cluster=cluster, organisation=organisation).first()

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if not self._is_dry_run(kwargs):
            organisation_changed(organisation=instance.organisation)
