// The order's phone (docs/live-screenings.md): every ticket of one order voting from this page.
// One socket per ticket, each saying hello with its own code (docs/websocket.md, unchanged), so each
// ticket counts once and gets its own `vote.accepted` with its own receipt. Every socket feeds the
// shared display (the poll, bars, decision: snapshots, so hearing them N times is harmless); votes,
// acknowledgements, receipts and errors belong to their ticket's row.
(function () {
  "use strict";
  const root = document.getElementById("order-audience");
  const $ = (id) => document.getElementById(id);
  const REASONS = { majority: gettext("most votes"), tie_break: gettext("tie-break rule"),
                    no_votes: gettext("no votes: default branch"), no_quorum: gettext("too few votes: default branch") };
  let poll = null;  // the live poll shown: {id, options, closes_at, hide_results, status, decision}
  let status;       // the screening's status

  const rows = JSON.parse($("order-tickets").textContent).map((ticket) => ({
    ticket, socket: null, myVote: null, pending: null, receipt: null, conn: "connecting", note: "", closed: false,
  }));

  function el(tag, props, text) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function label(row) {
    return interpolate(gettext("Ticket %(number)s of %(of)s"), row.ticket, true);
  }

  function optionLabel(id) {
    const option = poll && poll.options.find((o) => o.id === id);
    return option ? option.label : "?";
  }

  function usable(row) { return !row.ticket.refunded && !row.closed; }

  // --- the ballot rows ------------------------------------------------------------------

  const list = $("ballots");
  for (const row of rows) {
    row.el = el("li", { className: "ballot" + (row.ticket.refunded ? " refunded" : "") });
    row.el.dataset.ticket = row.ticket.number;
    list.append(row.el);
  }

  function statusText(row) {
    if (row.ticket.refunded) return gettext("Refunded: this ticket does not vote.");
    if (row.closed) return row.note;
    if (row.pending) return gettext("Sending…");
    if (row.note) return row.note;
    if (!poll) return row.conn === "connected" ? gettext("Ready") : gettext("Connecting…");
    if (row.myVote) {
      const text = poll.status === "open" ? gettext("Vote accepted: %s. It will be counted.") : gettext("Voted: %s");
      return interpolate(text, [optionLabel(row.myVote)]);
    }
    return poll.status === "open" ? gettext("Not voted yet") : gettext("Did not vote");
  }

  function drawRow(row) {
    const box = row.el;
    box.replaceChildren();
    const head = el("div", { className: "ballot-head" });
    head.append(el("strong", {}, label(row)), el("span", { className: "ballot-status muted" }, statusText(row)));
    box.append(head);
    if (!usable(row) || !poll) return;
    const options = el("div", { className: "options" });
    for (const option of poll.options) {
      const button = el("button", { type: "button" }, option.label);
      button.dataset.option = option.id;
      button.setAttribute("aria-pressed", String(option.id === (row.pending || row.myVote)));
      if (option.id === row.myVote) button.classList.add("accepted");
      button.disabled = poll.status !== "open";
      button.addEventListener("click", () => vote(row, option.id));
      options.append(button);
    }
    box.append(options);
    if (row.receipt) {
      const receipt = el("p", { className: "receipt muted" }, gettext("Receipt:") + " ");
      receipt.append(el("code", {}, row.receipt));
      receipt.dataset.receipt = row.receipt;
      if (poll.status === "decided") {
        receipt.append(" ", el("a", { href: "/polls/" + poll.id + "/result/?receipt=" + row.receipt },
          gettext("check it in the result")));
      }
      box.append(receipt);
    }
    if (row.ticket.url) box.append(el("a", { className: "ticket-link", href: row.ticket.url }, gettext("Ticket page")));
  }

  function drawRows() { for (const row of rows) drawRow(row); }

  function drawConn() {
    const live = rows.filter(usable);
    const connected = live.filter((r) => r.conn === "connected").length;
    const conn = $("conn");
    conn.dataset.state = live.length && connected === live.length ? "connected" : connected ? "reconnecting" : "connecting";
    conn.textContent = live.length
      ? interpolate(gettext("Connected: %(connected)s of %(total)s tickets"), { connected, total: live.length }, true)
      : gettext("No ticket of this order can vote.");
    if (!live.length) conn.dataset.state = "closed";
  }

  function vote(row, optionId) {
    if (!poll || poll.status !== "open" || !usable(row)) return;
    row.pending = optionId;
    row.note = "";
    drawRow(row);
    if (!row.socket.send({ type: "vote", poll: poll.id, option: optionId, ref: "t" + row.ticket.number + "-" + Date.now() })) {
      row.pending = null;
      row.note = gettext("Not connected: this vote was not sent. Reconnecting…");
      drawRow(row);
    }
  }

  // --- the shared display ---------------------------------------------------------------

  function setStatus(value) {
    status = value;
    const node = $("screening-status");
    node.dataset.status = value;
    node.textContent = Live.statusText(value, root.dataset.starts);
    showIdle();
  }

  // As on one ticket's page: once a poll is shown, open or decided, it takes the idle box's place.
  function showIdle() {
    const over = status === "ended" || status === "cancelled";
    $("idle").classList.toggle("hidden", over || poll !== null);
  }

  let player = null;
  function setNowPlaying(episode) {
    $("now-playing").textContent = episode ? episode.title : gettext("Nothing yet");
    if (player) { player.show(episode); $("stage-title").textContent = episode ? episode.title : ""; }
  }

  function showPoll(p) {
    poll = p;
    showIdle();
    $("poll").classList.toggle("hidden", !p);
    drawRows();
    if (!p) return;
    $("decision").classList.add("hidden");
    drawBars(p.counts);
    if (p.status === "open") Live.countdown($("countdown"), p.closes_at, clock());
    else showDecision();
  }

  function drawBars(counts) {
    const hidden = counts === null || counts === undefined;
    $("hidden-note").classList.toggle("hidden", !(hidden && poll.hide_results && poll.status === "open"));
    $("bars").classList.toggle("hidden", hidden);
    if (!hidden) Live.renderBars($("bars"), poll.options, counts, poll.decision && poll.decision.option);
  }

  function showDecision() {
    if (!poll.decision) return;
    const reason = REASONS[poll.decision.reason] || poll.decision.reason;
    $("decision").textContent = interpolate(gettext("Decided: %s (%s)"), [optionLabel(poll.decision.option), reason]);
    $("decision").classList.remove("hidden");
    Live.countdown($("countdown"), null, clock());
  }

  // --- one socket per ticket that may vote ----------------------------------------------

  function clock() { return (rows.find((r) => r.socket) || {}).socket; }

  function handlers(row) {
    return {
      status: (state) => {
        row.conn = state;
        if (state === "closed") {
          row.closed = true;
          row.note = gettext("This ticket can no longer vote here (refunded, or not valid for this screening).");
        }
        drawConn();
        drawRow(row);
      },
      state: (m) => {
        setNowPlaying(m.now_playing);
        setStatus(m.screening.status);
        if (player && row === rows.find((r) => r.socket)) player.setPaused(m.screening.paused_at || null);
        row.myVote = m.my_vote;
        row.receipt = m.my_receipt || null;
        row.pending = null;
        if (!poll || !m.poll || m.poll.id !== poll.id || m.poll.status !== poll.status) showPoll(m.poll);
        else drawRow(row);
      },
      "poll.opened": (m) => {
        if (m.poll.scope === "round") return;  // rounds: on each ticket's own page
        if (poll && poll.id === m.poll.id) { poll.closes_at = m.poll.closes_at; showPoll(poll); return; }
        for (const r of rows) { r.myVote = null; r.pending = null; r.receipt = null; r.note = ""; }
        showPoll(Live.openedPoll(m.poll));
        if (player) player.preload(m.poll.options.map((o) => o.target));
      },
      tally: (m) => { if (poll && m.poll === poll.id && poll.status === "open") drawBars(m.counts); },
      "vote.accepted": (m) => {
        if (!poll || m.poll !== poll.id) return;
        row.myVote = m.option;
        row.receipt = m.receipt || row.receipt;
        row.pending = null;
        row.note = "";
        drawRow(row);
      },
      "poll.decided": (m) => {
        if (m.scope === "round" || !poll || m.poll !== poll.id || poll.status === "decided") return;
        poll.status = "decided";
        poll.decision = { option: m.option, reason: m.reason };
        showIdle();
        drawBars(m.counts);
        showDecision();
        drawRows();
      },
      now_playing: (m) => setNowPlaying(m.episode),
      "screening.status": (m) => {
        setStatus(m.screening.status);
        if (player) player.setPaused(m.screening.paused_at || null);
      },
      error: (m) => {
        row.pending = null;
        row.note = m.message || m.code;
        drawRow(row);
        setTimeout(() => { if (row.note === (m.message || m.code)) { row.note = ""; drawRow(row); } }, 4000);
      },
    };
  }

  setStatus($("screening-status").dataset.status);
  drawRows();
  for (const row of rows) {
    if (row.ticket.refunded) continue;
    row.socket = new Live.LiveSocket({
      screeningId: root.dataset.screening,
      hello: { type: "hello", ticket: row.ticket.code },
      on: handlers(row),
    });
  }
  drawConn();

  // An online screening: this page is the family's screen too, on the screening's one clock.
  const stage = $("stage");
  if (stage && clock()) {
    player = new LivePlayer.SyncedPlayer({
      stage, socket: clock(), episodes: JSON.parse($("episodes").textContent),
      titleCard: $("title-card"),
      onTick: (position, remaining) => { $("episode-clock").textContent = player.current ? LivePlayer.clock(remaining) : ""; },
    });
    $("unmute").addEventListener("click", () => { player.setMuted(false); $("unmute").classList.add("hidden"); });
  }
})();
