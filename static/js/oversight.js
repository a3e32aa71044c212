// Oversight pages (no inline scripts): the print button of the annual report, and the
// model-unit form, which shows the department or the branch field as the kind asks.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-jf-print]")) {
    window.print();
  }
});

function ovToggleUnitFields(form) {
  const kind = form.querySelector("select[name=kind]");
  if (!kind) return;
  form.querySelectorAll("[data-ov-kind]").forEach((field) => {
    field.hidden = field.dataset.ovKind !== kind.value;
  });
}

document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-ov-unit-form]");
  if (form && event.target.name === "kind") ovToggleUnitFields(form);
});

document.querySelectorAll("form[data-ov-unit-form]").forEach(ovToggleUnitFields);
