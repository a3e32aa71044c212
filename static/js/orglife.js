/* Organisational life: confirmations, printing, full screen, the member check list and
   the dues editor. Every page works without this script; it only saves clicks. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-ol-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-ol-print], [data-ol-fullscreen], [data-ol-check], [data-ol-editor-close]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-ol-print")) {
      window.print();
    } else if (target.hasAttribute("data-ol-fullscreen")) {
      var screen = document.querySelector("[data-ol-screen]");
      if (screen && screen.requestFullscreen) { screen.requestFullscreen(); }
    } else if (target.hasAttribute("data-ol-check")) {
      var on = target.getAttribute("data-ol-check") === "all";
      var box = target.closest("[data-ol-choices]");
      if (box) {
        box.querySelectorAll("input[type=checkbox]").forEach(function (input) { input.checked = on; });
      }
    } else if (target.hasAttribute("data-ol-editor-close")) {
      var editor = document.getElementById("dues-editor");
      if (editor) {
        event.preventDefault();
        editor.innerHTML = "";
      }
    }
  });

  // The cell being edited is outlined, so the recorder sees which month the panel is for.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var cell = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("td.ol-dues") : null;
    if (!cell) { return; }
    document.querySelectorAll("td.ol-dues-editing").forEach(function (td) { td.classList.remove("ol-dues-editing"); });
    cell.classList.add("ol-dues-editing");
  });
}());
