// The "select all" box of django-import-export's export form (templates/admin/import_export/export.html):
// bound here instead of by an inline onchange attribute, which the Content-Security-Policy blocks.
// onSelectToggleChange comes from import_export/export_selectable_fields.js, part of the form's media.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (typeof onSelectToggleChange !== "function") {
    return;
  }
  document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", onSelectToggleChange);
  });
});
