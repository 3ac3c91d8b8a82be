// The audience's phone: join with the ticket, vote, see the acknowledgement, the bars and the decision.
(function () {
  "use strict";
  const root = document.getElementById("audience");
  const $ = (id) => document.getElementById(id);
  const REASONS = { majority: gettext("most votes"), tie_break: gettext("tie-break rule"),
                    no_votes: gettext("no votes: default branch"), no_quorum: gettext("too few votes: default branch") };
  let poll = null;      // the poll shown: {id, options, closes_at, hide_results, status}
  let myVote = null;    // the option the server has accepted for this ticket
  let pending = null;   // the option sent, awaiting vote.accepted
  let status;           // the screening's status (declared before the socket reports it)

  // Release rounds of the production (rounds.js draws them; votes go over this socket).
  const Rounds = window.RoundsView(document.getElementById("rounds"), (message) => socket.send(message));

  // An online screening: this page is the holder's screen too, on the screening's one clock.
  const stage = document.getElementById("stage");
  let player = null;

  const socket = new Live.LiveSocket({
    screeningId: root.dataset.screening,
    hello: { type: "hello", ticket: root.dataset.ticket },
    on: {
      status: (state, detail) => {
        const el = $("conn");
        el.dataset.state = state;
        el.textContent = { connecting: gettext("Connecting…"), connected: gettext("Connected"),
                           reconnecting: gettext("Reconnecting…"), closed: detail || gettext("Disconnected") }[state];
      },
      state: (m) => {
        Rounds.fromState(m.rounds || []);
        setNowPlaying(m.now_playing);
        setStatus(m.screening.status);
        if (player) player.setPaused(m.screening.paused_at || null);
        myVote = m.my_vote;
        pending = null;
        showPoll(m.poll);
      },
      "poll.opened": (m) => {
        if (m.poll.scope === "round") { Rounds.opened(m.poll); return; }
        if (poll && poll.id === m.poll.id) { poll.closes_at = m.poll.closes_at; showPoll(poll); return; } // resumed
        myVote = null; pending = null; showPoll(Live.openedPoll(m.poll));
        if (player) player.preload(m.poll.options.map((o) => o.target));
      },
      tally: (m) => {
        if (poll && m.poll === poll.id && poll.status === "open") drawBars(m.counts);
        else Rounds.tally(m);
      },
      "vote.accepted": (m) => {
        if (Rounds.accepted(m)) return;
        if (!poll || m.poll !== poll.id) return;
        myVote = m.option;
        pending = null;
        $("vote-status").textContent = gettext("Vote accepted: it will be counted. You can change it until the end.");
        drawOptions();
      },
      "poll.decided": (m) => {
        if (m.scope === "round") { Rounds.decided(m); return; }
        if (!poll || m.poll !== poll.id) return;
        poll.status = "decided";
        poll.decision = { option: m.option, reason: m.reason };
        showIdle();
        drawOptions();
        drawBars(m.counts);
        showDecision();
      },
      now_playing: (m) => setNowPlaying(m.episode),
      "screening.status": (m) => { setStatus(m.screening.status); if (player) player.setPaused(m.screening.paused_at || null); },
      "round.release": (m) => Rounds.release(m),
      error: (m) => {
        Rounds.failed(m);
        pending = null;
        $("toast").textContent = m.message || m.code;
        setTimeout(() => { $("toast").textContent = ""; }, 4000);
        drawOptions();
      },
    },
  });

  const STATUS_TEXT = {
    scheduled: () => interpolate(gettext("Not started yet — the screening begins at %s"), [root.dataset.starts]),
    live: () => gettext("Live"),
    ended: () => gettext("Ended — thanks for watching"),
    cancelled: () => gettext("Cancelled"),
  };
  STATUS_TEXT.on_sale = STATUS_TEXT.scheduled;

  function setStatus(value) {
    status = value;
    const el = $("screening-status");
    el.dataset.status = value;
    el.textContent = (STATUS_TEXT[value] || (() => value))();
    showIdle();
  }

  // Between polls, say what will happen instead of showing an empty page.
  function showIdle() {
    const over = status === "ended" || status === "cancelled";
    $("idle").classList.toggle("hidden", over || (poll !== null && poll.status === "open"));
  }

  if (stage) {
    player = new LivePlayer.SyncedPlayer({
      stage, socket, episodes: JSON.parse(document.getElementById("episodes").textContent),
      titleCard: document.getElementById("title-card"),
      onTick: (position, remaining) => { $("episode-clock").textContent = player.current ? LivePlayer.clock(remaining) : ""; },
    });
    $("unmute").addEventListener("click", () => { player.setMuted(false); $("unmute").classList.add("hidden"); });
  }

  function setNowPlaying(episode) {
    $("now-playing").textContent = episode ? episode.title : gettext("Nothing yet");
    if (player) { player.show(episode); $("stage-title").textContent = episode ? episode.title : ""; }
  }
  setStatus($("screening-status").dataset.status);  // as rendered, until the socket reports

  function showPoll(p) {
    poll = p;
    showIdle();
    $("poll").classList.toggle("hidden", !p);
    if (!p) return;
    $("decision").classList.add("hidden");
    $("vote-status").textContent = myVote ? gettext("Vote accepted: it will be counted.") : "";
    drawOptions();
    drawBars(p.counts);
    if (p.status === "open") Live.countdown($("countdown"), p.closes_at, socket);
    else { $("countdown").textContent = ""; showDecision(); }
  }

  function drawOptions() {
    const box = $("options");
    box.replaceChildren();
    for (const option of poll.options) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = option.label;
      button.dataset.option = option.id;
      button.setAttribute("aria-pressed", String(option.id === (pending || myVote)));
      if (option.id === myVote) button.classList.add("accepted");
      button.disabled = poll.status !== "open";
      button.addEventListener("click", () => vote(option.id));
      box.append(button);
    }
  }

  function drawBars(counts) {
    const hidden = counts === null || counts === undefined;
    $("hidden-note").classList.toggle("hidden", !(hidden && poll.hide_results && poll.status === "open"));
    $("bars").classList.toggle("hidden", hidden);
    if (!hidden) Live.renderBars($("bars"), poll.options, counts);
  }

  function showDecision() {
    if (!poll.decision) return;
    const winner = poll.options.find((o) => o.id === poll.decision.option);
    $("decision").textContent = interpolate(gettext("Decided: %s (%s)"), [winner ? winner.label : "?", REASONS[poll.decision.reason] || poll.decision.reason]);
    $("decision").classList.remove("hidden");
    Live.countdown($("countdown"), null, socket); // stops with the decision
  }

  function vote(optionId) {
    if (!poll || poll.status !== "open") return;
    pending = optionId;
    $("vote-status").textContent = gettext("Sending…");
    drawOptions();
    if (!socket.send({ type: "vote", poll: poll.id, option: optionId, ref: String(Date.now()) })) {
      pending = null;
      $("vote-status").textContent = gettext("Not connected: your vote was not sent. Reconnecting…");
      drawOptions();
    }
  }
})();
