// Filter the ballot list by receipt prefix; ?receipt=... (from the ticket page) pre-fills the search.
(function () {
  // Bar widths come from data-percent: the Content-Security-Policy allows no inline style attribute.
  document.querySelectorAll(".result-bar-fill[data-percent]").forEach((fill) => {
    fill.style.width = fill.dataset.percent + "%";
  });
  const input = document.getElementById("receipt-search");
  const status = document.getElementById("receipt-search-status");
  const rows = Array.from(document.querySelectorAll("#receipts tbody tr[data-receipt]"));
  if (!input) return;
  function filter() {
    const needle = input.value.trim().toLowerCase();
    let shown = 0;
    rows.forEach((row) => {
      const match = !needle || row.dataset.receipt.startsWith(needle);
      row.hidden = !match;
      row.classList.toggle("found", Boolean(needle) && match);
      if (match) shown += 1;
    });
    status.textContent = needle ? (shown ? interpolate(ngettext("%s matching ballot", "%s matching ballots", shown), [shown]) : gettext("No ballot with this receipt.")) : "";
  }
  input.addEventListener("input", filter);
  const given = new URLSearchParams(window.location.search).get("receipt");
  if (given) { input.value = given; filter(); }
})();
