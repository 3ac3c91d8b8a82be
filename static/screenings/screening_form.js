// Screening form: show what one ticket costs, computed like the server (half, rounded half-up to the minor unit).
(function () {
  "use strict";
  const form = document.getElementById("screening-form");
  const units = JSON.parse(document.getElementById("minor-units").textContent);
  const out = document.getElementById("ticket-price");
  const field = (name) => form.elements[name];

  function update() {
    const currency = field("currency").value;
    const places = units[currency] ?? 2;
    const base = Number(field("base_price").value);
    if (field("base_price").value === "" || !Number.isFinite(base) || base < 0) { out.textContent = ""; return; }
    const scale = 10 ** places;
    const minor = Math.round(base * scale);  // the base price in minor units
    const price = field("half_price").checked ? Math.floor((minor + 1) / 2) : minor;  // half-up
    // Written as the page's language writes money (₩6,000, €6.50), like the server's pages.
    const text = new Intl.NumberFormat(document.documentElement.lang || "en", {
      style: "currency", currency, minimumFractionDigits: places, maximumFractionDigits: places,
    }).format(price / scale);
    out.textContent = interpolate(gettext("Ticket price: %s"), [text]);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
