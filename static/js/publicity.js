// 公示 pages: the notice's print button and confirmation of a screen's revocation
// (no inline scripts).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-jf-print]")) {
    window.print();
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-jf-confirm]");
  if (form && !window.confirm(form.dataset.jfConfirm)) {
    event.preventDefault();
  }
});
