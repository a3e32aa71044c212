// 认定: for each line, show the chosen item's rule, offer its levels, prefill fixed points,
// and hide the item and points when the line is rejected.
(function () {
  "use strict";

  function refresh(line) {
    const select = line.querySelector("select[name$='-item']");
    const points = line.querySelector("input[name$='-points']");
    const rule = line.querySelector("[data-dc-rule]");
    const levels = line.querySelector("[data-dc-levels]");
    const part = line.querySelector("[data-dc-points-part]");
    const checked = line.querySelector("input[name$='-action']:checked");
    if (part) {
      part.hidden = Boolean(checked && checked.value === "reject");
    }
    if (!select || !points) {
      return;
    }
    const option = select.options[select.selectedIndex];
    const data = option ? option.dataset : {};
    if (rule) {
      rule.textContent = data.rule ? (rule.dataset.prefix || "") + data.rule : "";
    }
    if (levels) {
      levels.replaceChildren();
      (data.levels || "").split(" ").filter(Boolean).forEach((value) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-outline-secondary";
        button.textContent = value;
        button.addEventListener("click", () => {
          points.value = value;
        });
        levels.appendChild(button);
      });
    }
    if (data.kind === "fixed" && data.points && !points.value) {
      points.value = data.points;
    }
  }

  document.querySelectorAll("[data-dc-review-line]").forEach((line) => {
    refresh(line);
    line.addEventListener("change", (event) => {
      if (event.target.matches("select[name$='-item']")) {
        const points = line.querySelector("input[name$='-points']");
        if (points) {
          points.value = "";
        }
      }
      refresh(line);
    });
  });
})();
