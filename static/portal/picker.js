// Filters a long list of checkboxes (the NACE sectors) by the words typed into its search box.
// Without JavaScript the list is still there, only unfiltered.
//
// The rule is companies/sector_search.py's: a row is shown when every word typed begins one of its
// terms or a term of a row above it (rows are in classification order; their class "level-N" says
// how deep they are). A row's terms are the words of its text and of its data-terms (keywords such
// as "Medizintechnik" that the official title lacks). Case and umlauts do not count: "Kühl", "kuehl"
// and "kuhl" all find "Kühlkette".
(function () {
  "use strict";
  var WORD = /[a-z0-9]+(?:\.[a-z0-9]+)*/g;

  function stripMarks(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // As sector_search.fold: lower case, umlauts written out, other accents dropped.
  function fold(text) {
    return stripMarks(
      text.normalize("NFC").toLowerCase()
        .replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss")
    );
  }

  function queryWords(text) {
    return fold(text).match(WORD) || [];
  }

  // As sector_search.terms: every word in both spellings a keyboard without umlauts gives.
  function terms(text) {
    var lowered = text.normalize("NFC").toLowerCase();
    var written = fold(lowered).match(WORD) || [];
    var plain = stripMarks(lowered.replace(/ß/g, "ss")).match(WORD) || [];
    return written.concat(plain);
  }

  function levelOf(row) {
    var found = /(?:^|\s)level-(\d+)(?:\s|$)/.exec(row.className);
    return found ? parseInt(found[1], 10) : 1;
  }

  if (typeof module === "object" && module.exports) {
    // Read by the tests (node), which check that this folding is sector_search's.
    module.exports = { fold: fold, queryWords: queryWords, terms: terms };
  }
  if (typeof document === "undefined") {
    return;
  }

  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var input = picker.querySelector("[data-picker-filter]");
    var onlySelected = picker.querySelector("[data-picker-selected]");
    var rows = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-row]"));
    // " term term …": a word begins a term where " " + word occurs.
    var own = rows.map(function (row) {
      return " " + terms(row.textContent + " " + (row.getAttribute("data-terms") || "")).join(" ");
    });
    var levels = rows.map(levelOf);
    input.hidden = false;
    if (onlySelected) { onlySelected.parentElement.hidden = false; }
    function apply() {
      var words = queryWords(input.value);
      var above = [];
      rows.forEach(function (row, index) {
        var level = levels[index];
        above.length = level - 1;
        above[level - 1] = own[index];
        var reachable = above.join("");
        var matches = words.every(function (word) { return reachable.indexOf(" " + word) !== -1; });
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
