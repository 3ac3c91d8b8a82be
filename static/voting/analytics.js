// Refresh the per-venue counts of open polls from GET /api/polls/<id>/counts/ (a snapshot, never deltas).
(function () {
  const tables = Array.from(document.querySelectorAll("table.venue-counts[data-counts-url]"));
  if (!tables.length) return;
  function cell(text, option) {
    const td = document.createElement("td");
    td.textContent = text;
    if (option) td.dataset.option = option;
    return td;
  }
  function render(table, body) {
    if (!body.by_venue) return;
    const options = table.dataset.options.split(",");
    table.querySelector("tbody").replaceChildren(...body.by_venue.map((venue) => {
      const tr = document.createElement("tr");
      tr.dataset.venue = venue.venue;
      tr.append(cell(venue.venue), ...options.map((id) => cell(venue.counts[id] ?? 0, id)));
      return tr;
    }));
  }
  async function refresh() {
    for (const table of tables) {
      try {
        const response = await fetch(table.dataset.countsUrl, { credentials: "same-origin" });
        if (response.ok) render(table, await response.json());
      } catch (error) { /* offline for a moment: the next refresh catches up */ }
    }
  }
  setInterval(refresh, 5000);
})();
