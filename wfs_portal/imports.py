"""Spreadsheet imports in the admin (django-import-export): the rules every import follows.

- All or nothing: the rows are written in one transaction, and a row that fails (a wrong value, a
  refused constraint, a formula, a key that occurs twice in the file) rolls the whole file back;
  the preview (import-export's dry run) shows, row by row, what would be created, updated or
  skipped and each row's errors by column.
- The model's own rules: every row is validated with ``full_clean`` and saved through
  ``validated_save``, so an import refuses what the admin form, the portal and the API refuse.
- Rows are identified by a natural key (``row_key``), never by database ids; the later of two rows
  with the same key is an error.
- A cell that a spreadsheet program would run as a formula is refused, not stored (exports escape
  such texts, wfs_portal.spreadsheets; an import never writes one). Numbers and phone numbers with
  a sign ("-5", "+49 351 …") are values, not formulas.
- One action in the audit history: every record the file writes carries one reason, the
  resource's ``reason`` with the file's name and a token of this import as detail.
"""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext
from import_export import resources, widgets
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from wfs_portal.audit import with_detail
from wfs_portal.services import validated_save
from wfs_portal.spreadsheets import is_formula_like

# A signed number or a phone number ("-12,5", "+49 351 4640-0"): starts like a formula, is a value.
SIGNED_VALUE = re.compile(r"^[+-]?\d[\d\s.,()/]*(-[\d\s.,()/]+)*$")


def _cell_text(value) -> str:
    return "" if value is None else str(value).strip()


class ValidatedImportResource(resources.ModelResource):
    """Base of every import resource: see the module docstring. A subclass sets ``reason`` (an audit
    code that takes a detail) and ``row_key(row)`` (the row's natural key, None when it has none)."""

    reason: str = ""

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def row_key(self, row) -> tuple | None:
        raise NotImplementedError

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        kwargs.pop("rollback_on_validation_errors", None)
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._user = kwargs.get("user")
        self._seen_keys: dict[tuple, int] = {}
        file_name = kwargs.get("file_name") or gettext("spreadsheet")
        self._stored_reason = with_detail(self.reason, f"{file_name} #{secrets.token_hex(4)}")

    def get_diff_headers(self):
        """The preview's column headings in the reader's language, each with the file's column
        name it comes from: "Art (kind)"."""
        headers = []
        for field in self.get_import_fields():
            try:
                label = capfirst(self._meta.model._meta.get_field(field.attribute).verbose_name)
            except (FieldDoesNotExist, TypeError):
                label = ""
            column = force_str(field.column_name)
            headers.append(f"{label} ({column})" if label and str(label).lower() != column.lower() else column)
        return headers

    def column_of(self, attribute: str) -> str:
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        return attribute

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        errors = {}
        for column, value in row.items():
            if isinstance(value, str) and is_formula_like(value) and not SIGNED_VALUE.match(value.strip()):
                errors[column] = [gettext("A formula is not imported: enter the value itself.")]
        if errors:
            raise ValidationError(errors)
        key = self.row_key(row)
        if key is not None:
            number = kwargs.get("row_number")
            first = self._seen_keys.setdefault(key, number)
            if first != number:
                raise ValidationError(
                    {NON_FIELD_ERRORS: [gettext("Row %(row)d of this file already has the same key.") % {"row": first}]}
                )

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        error = result.validation_error
        if error is not None and hasattr(error, "error_dict"):
            # Errors by the column staff see in their file, not by the model's field name.
            columns = {}
            for name, messages in error.message_dict.items():
                key = name if name == NON_FIELD_ERRORS or name in row else self.column_of(name)
                columns.setdefault(key, []).extend(messages)
            result.validation_error = ValidationError(columns)
        return result

    def import_instance(self, instance, row, **kwargs):
        # import-export reads the list columns (sectors) only after the save: read them here
        # as well, so that an unknown key is an error of the row in the preview.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as exc:
                    errors.setdefault(field.attribute, []).append(str(exc))
        try:
            self.import_related(instance, row)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def import_related(self, instance, row) -> None:
        """Read what the row says beyond the resource's own fields (a contact person's consent, a
        registration's booth). A ValidationError here is shown with the row's other errors."""

    def do_instance_save(self, instance, is_create):
        validated_save(instance, user=self._user, reason=self._stored_reason)

    def save_related(self, instance) -> None:
        """Save a record the row creates besides its instance (a consent with its contact person)
        under the import's reason."""
        validated_save(instance, user=self._user, reason=self._stored_reason)


def required_text(row, column: str) -> str:
    """The text of a column the row must fill; a ValidationError on that column when it is empty."""
    text = _cell_text(row.get(column))
    if not text:
        raise ValidationError({column: [gettext("This column must be filled.")]})
    return text


def cell_text(row, column: str) -> str:
    return _cell_text(row.get(column))


class WfsImportMixin(ImportMixin):
    """The admin's "Import" (CSV or XLSX, a preview first, nothing applied when a row fails), for
    staff with the model's import permission (``<app>.import_<model>``, see the model's Meta)."""

    import_formats = [CSV, XLSX]
    import_error_display = ("message",)
    import_template_name = "admin/import_export/import.html"
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    from_encoding = "utf-8-sig"

    def has_import_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.import_{opts.model_name}")

    def process_result(self, result, request):
        # The file is read again for the confirmed import; what changed in the database since the
        # preview can make a row fail now, and then nothing was applied.
        if result.has_errors() or result.has_validation_errors():
            failed = [row.number for row in result.invalid_rows] + [number for number, _ in result.row_errors()]
            messages.error(
                request,
                gettext("Nothing was imported: rows %(rows)s failed. Please upload the file again to see why.")
                % {"rows": ", ".join(str(number) for number in sorted(set(failed)))},
            )
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*self.get_model_info())))
        return super().process_result(result, request)
