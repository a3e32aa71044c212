// The print button of the points card's print page (no inline scripts).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-jf-print]")) {
    window.print();
  }
});
