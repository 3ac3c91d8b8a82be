// The live websocket client shared by the audience, screen and console pages (docs/websocket.md).
// Reconnects by itself with capped, jittered backoff; every (re)connect says hello again and the
// server answers with a full `state`, so the page recovers whatever it missed.
(function () {
  "use strict";

  // Django's JavaScript catalogue (/jsi18n/, loaded by every page) defines these; a page without
  // it keeps the strings as written.
  if (typeof window.gettext !== "function") window.gettext = (text) => text;
  if (typeof window.interpolate !== "function") {
    window.interpolate = (format, values) => { let i = 0; return format.replace(/%s/g, () => String(values[i++])); };
  }

  const sockets = []; // every LiveSocket of the page (lets tests drop a connection)
  const FATAL = { 4403: gettext("This ticket cannot vote in this screening."), 4404: gettext("No such screening."),
                  4400: gettext("Protocol error."), 4429: gettext("Too many messages.") };

  class LiveSocket {
    constructor({ screeningId, hello, on }) {
      this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/screenings/" + screeningId + "/";
      this.hello = hello;
      this.on = on || {};
      this.attempt = 0;
      this.connections = 0; // successful opens so far
      this.clockOffset = 0; // server time minus local time: from `state`, then refined by pings
      this.bestRoundTrip = Infinity;
      this.stopped = false;
      sockets.push(this);
      this.connect();
      setInterval(() => this.ping(), 20000); // keeps idle proxies from closing the socket; syncs the clock
      window.addEventListener("online", () => { if (!this.isOpen()) this.connect(); });
    }

    isOpen() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

    connect() {
      if (this.stopped) return;
      clearTimeout(this.retryTimer);
      if (this.ws) { this.ws.onclose = null; try { this.ws.close(); } catch (e) { /* already closed */ } }
      this.status("connecting");
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        this.attempt = 0;
        this.connections += 1;
        this.bestRoundTrip = Infinity;
        ws.send(JSON.stringify(this.hello));
        this.status("connected");
        for (const delay of [300, 1200, 3000]) setTimeout(() => this.ping(), delay); // a few samples at once
      };
      ws.onmessage = (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type === "state" && message.server_time && this.bestRoundTrip === Infinity) {
          this.clockOffset = Date.parse(message.server_time) - Date.now();
        }
        if (message.type === "pong" && message.server_time && this.pingSentAt) {
          // NTP's midpoint: the server read its clock about half a round trip ago. Keep the
          // sample with the shortest round trip: it is the least wrong.
          const arrived = Date.now(), roundTrip = arrived - this.pingSentAt;
          if (roundTrip <= this.bestRoundTrip) {
            this.bestRoundTrip = roundTrip;
            this.clockOffset = Date.parse(message.server_time) - (this.pingSentAt + arrived) / 2;
          }
        }
        const handler = this.on[message.type];
        if (handler) handler(message);
      };
      ws.onclose = (event) => {
        if (FATAL[event.code]) {
          this.stopped = true;
          this.status("closed", FATAL[event.code]);
          return;
        }
        const delay = Math.min(10000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
        this.attempt += 1;
        this.status("reconnecting");
        this.retryTimer = setTimeout(() => this.connect(), delay);
      };
    }

    send(message) {
      if (!this.isOpen()) return false;
      this.ws.send(JSON.stringify(message));
      return true;
    }

    ping() { if (this.send({ type: "ping" })) this.pingSentAt = Date.now(); }

    now() { return Date.now() + this.clockOffset; }

    status(state, detail) { if (this.on.status) this.on.status(state, detail); }
  }

  // Poll bars: one row per option, updated in place (widths animate; focus and screen-reader position
  // stay put), with the count and its share; `winner` marks the chosen option; null counts (hidden)
  // show no numbers.
  function renderBars(container, options, counts, winner) {
    const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
    const ids = options.map((o) => String(o.id));
    if (container.dataset.options !== ids.join(",")) {
      container.replaceChildren();
      container.dataset.options = ids.join(",");
      for (const option of options) {
        const row = document.createElement("div");
        row.className = "bar";
        row.dataset.option = option.id;
        const fill = document.createElement("span");
        fill.className = "fill";
        const label = document.createElement("span");
        label.className = "label";
        label.textContent = option.label;
        const count = document.createElement("span");
        count.className = "count";
        row.append(fill, label, count);
        container.append(row);
      }
    }
    for (const row of container.children) {
      const n = counts ? (counts[row.dataset.option] || 0) : null;
      const share = n !== null && total ? Math.round((100 * n) / total) : 0;
      row.querySelector(".fill").style.width = share + "%";
      row.querySelector(".count").textContent = n === null ? "" : n + " · " + share + "%";
      const won = winner !== undefined && winner !== null && String(winner) === row.dataset.option;
      row.classList.toggle("winner", won);
      row.querySelector(".label").dataset.winner = won ? gettext("chosen") : "";
    }
  }

  // Seconds left until `closesAt` as m:ss, on the server's clock; closesAt null stops it (decided).
  function countdown(element, closesAt, socket) {
    clearInterval(element._timer);
    if (!closesAt) { element.textContent = ""; return; }
    const end = Date.parse(closesAt);
    const tick = () => {
      const left = Math.max(0, Math.ceil((end - socket.now()) / 1000));
      element.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left <= 0) clearInterval(element._timer);
    };
    tick();
    element._timer = setInterval(tick, 250);
  }

  // A poll from `poll.opened`, shaped like the one in `state`: open, zero counts unless hidden.
  function openedPoll(p) {
    const zeros = Object.fromEntries(p.options.map((o) => [String(o.id), 0]));
    return Object.assign({ status: "open", decision: null, counts: p.hide_results ? null : zeros }, p);
  }

  // The screening's state in words, for the audience's phones (one ticket's page and an order's).
  function statusText(status, starts) {
    switch (status) {
      case "scheduled":
      case "on_sale": return interpolate(gettext("Not started yet — the screening begins at %s"), [starts]);
      case "live": return gettext("Live");
      case "ended": return gettext("Ended — thanks for watching");
      case "cancelled": return gettext("Cancelled");
      default: return status;
    }
  }

  window.Live = { LiveSocket, renderBars, countdown, openedPoll, statusText, sockets };
})();
