// 申报 pages: add a line to the declaration, show the files chosen, print attachment 1.
(function () {
  "use strict";

  function addLine(form) {
    const template = form.querySelector("template[data-dc-line-template]");
    const total = form.querySelector("input[name='lines-TOTAL_FORMS']");
    const lines = form.querySelector("[data-dc-lines]");
    if (!template || !total || !lines) {
      return;
    }
    const index = parseInt(total.value, 10) || 0;
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const line = holder.firstElementChild;
    const number = line.querySelector(".dc-line-no");
    if (number) {
      number.textContent = String(index + 1);
    }
    lines.appendChild(line);
    total.value = String(index + 1);
    const text = line.querySelector("textarea");
    if (text) {
      text.focus();
    }
  }

  function showChosen(input) {
    const label = input.closest("label");
    const target = label && label.nextElementSibling;
    if (!target || !target.hasAttribute("data-dc-chosen")) {
      return;
    }
    const names = Array.from(input.files || []).map((file) => file.name);
    target.textContent = names.join("、");
  }

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-dc-add-line]");
    if (add) {
      addLine(add.closest("form"));
      return;
    }
    if (event.target.closest("[data-dc-print]")) {
      window.print();
    }
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("input[data-dc-files]")) {
      showChosen(event.target);
    }
  });
})();
