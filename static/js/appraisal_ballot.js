// Ballot helpers: how many members are graded so far, and the score box kept
// inside the chosen grade's range. The server checks everything again.
(function () {
  "use strict";
  const RANGES = {
    excellent: [90, 100],
    qualified: [80, 89.9],
    basic: [60, 79.9],
    unqualified: [0, 59.9],
  };

  function update(form) {
    const marks = form.querySelectorAll("[data-ap-mark]");
    let graded = 0;
    marks.forEach((mark) => {
      const chosen = mark.querySelector("[data-ap-grade]:checked");
      const score = mark.querySelector("[data-ap-score]");
      mark.classList.toggle("ap-mark-done", Boolean(chosen));
      if (chosen) {
        graded += 1;
      }
      if (score) {
        const range = chosen ? RANGES[chosen.value] : [0, 100];
        score.min = range[0];
        score.max = range[1];
        score.placeholder = chosen ? range[0] + "–" + range[1] : "";
      }
    });
    const progress = form.querySelector("[data-ap-progress]");
    if (progress) {
      progress.textContent = graded + " / " + marks.length;
    }
  }

  document.querySelectorAll("[data-ap-ballot]").forEach((form) => {
    form.addEventListener("change", (event) => {
      // The voter is correcting this member: the server's complaint no longer applies.
      const mark = event.target.closest("[data-ap-mark]");
      if (mark && mark.classList.contains("ap-mark-error")) {
        mark.classList.remove("ap-mark-error");
        mark.querySelector(".ap-mark-message")?.remove();
      }
      update(form);
    });
    update(form);
  });
})();
