/* Scheme editor: show only the fields the chosen section and points kind use.
   Without this script every field is shown and the server ignores the unused ones. */
(function () {
  "use strict";

  function sync(form) {
    var section = form.querySelector('[name="section"]');
    var kind = form.querySelector('[name="points_kind"]');
    if (!section || !kind) { return; }
    var base = section.value === "base";
    var show = {
      category: section.value === "dedication",
      points_kind: !base,
      points: base || kind.value === "fixed",
      points_min: !base && kind.value === "range",
      points_max: !base && kind.value === "range",
      levels: !base && kind.value === "levels",
      cap_month: !base,
      cap_year: !base,
      declarable: !base
    };
    form.querySelectorAll("[data-item-field]").forEach(function (el) {
      var name = el.getAttribute("data-item-field");
      if (Object.prototype.hasOwnProperty.call(show, name)) { el.hidden = !show[name]; }
    });
  }

  function syncAll() {
    document.querySelectorAll("form[data-item-form]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-item-form]") : null;
    if (form) { sync(form); }
  });
  document.addEventListener("DOMContentLoaded", syncAll);
  document.addEventListener("htmx:load", syncAll);
}());
