// Forms with data-confirm ask before they submit (no inline onsubmit: the CSP forbids it).
document.addEventListener("submit", function (event) {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
