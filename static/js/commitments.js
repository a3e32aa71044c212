// Print buttons on the 共产党员岗 and notice-board pages (no inline scripts).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-cm-print]")) {
    window.print();
  }
});
