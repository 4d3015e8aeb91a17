"""The fairs' audit reasons (wfs_portal.audit): the life cycle of booth registrations, and their import."""

from django.utils.translation import pgettext_lazy

from wfs_portal.audit import declare, registration_reasons

REGISTRATION = registration_reasons("fairs.registration")

# spreadsheet imports (imports.py): every registration one import writes, with the file's name and a
# token of the import as detail.
IMPORT_APPLIED = declare("fairs.import.applied", pgettext_lazy("change reason", "imported from %(file)s"))
