// Filters a long list of checkboxes (the NACE sectors) by the text typed into its search box.
// Without JavaScript the list is still there, only unfiltered.
(function () {
  "use strict";
  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var input = picker.querySelector("[data-picker-filter]");
    var onlySelected = picker.querySelector("[data-picker-selected]");
    var rows = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-row]"));
    var texts = rows.map(function (row) { return normalise(row.textContent); });
    input.hidden = false;
    if (onlySelected) { onlySelected.parentElement.hidden = false; }
    function apply() {
      var words = normalise(input.value).split(/\s+/).filter(Boolean);
      rows.forEach(function (row, index) {
        var matches = words.every(function (word) { return texts[index].indexOf(word) !== -1; });
        if (onlySelected && onlySelected.checked) {
          matches = matches && row.querySelector("input").checked;
        }
        row.hidden = !matches;
      });
    }
    input.addEventListener("input", apply);
    if (onlySelected) { onlySelected.addEventListener("change", apply); }
  });
})();
