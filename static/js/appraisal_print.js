// Print buttons on the appraisal's print pages (no inline scripts).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-ap-print]")) {
    window.print();
  }
});
