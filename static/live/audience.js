// The audience's phone: join with the ticket, vote, see the acknowledgement, the bars and the decision.
// Buttons are built once per poll and updated in place, so keyboard focus and a screen reader's place
// survive every tally; what matters (a new poll, an accepted vote, the decision) is said in a live region.
(function () {
  "use strict";
  const root = document.getElementById("audience");
  const $ = (id) => document.getElementById(id);
  const REASONS = {
    majority: gettext("most votes"), tie_break: gettext("tie-break rule"),
    no_votes: gettext("no votes: default branch"), no_quorum: gettext("too few votes: default branch"),
  };
  const SEND_TIMEOUT_MS = 8000; // no answer by then: the connection is probably dead
  let poll = null;      // the poll shown: {id, options, closes_at, hide_results, status}
  let myVote = null;    // the option the server has accepted for this ticket
  let pending = null;   // the option sent, awaiting vote.accepted
  let pendingTimer = null;
  let status;           // the screening's status (declared before the socket reports it)
  let closedForGood = false;
  let notice = "";      // said about a vote that may be lost: kept across the reconnect it causes

  function announce(text) {
    // Re-set even when the text repeats, so it is read again.
    $("announce").textContent = "";
    setTimeout(() => { $("announce").textContent = text; }, 50);
  }

  function setVoteStatus(text) { $("vote-status").textContent = text; }

  function clearPending() {
    pending = null;
    clearTimeout(pendingTimer);
  }

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
        if (state === "closed") closed(detail);
      },
      state: (m) => {
        Rounds.fromState(m.rounds || []);
        setNowPlaying(m.now_playing);
        setStatus(m.screening.status);
        if (player) player.setPaused(m.screening.paused_at || null);
        myVote = m.my_vote;
        clearPending();
        showPoll(m.poll);
      },
      "poll.opened": (m) => {
        if (m.poll.scope === "round") { Rounds.opened(m.poll); return; }
        if (poll && poll.id === m.poll.id) { poll.closes_at = m.poll.closes_at; showPoll(poll); return; } // resumed
        myVote = null; clearPending(); showPoll(Live.openedPoll(m.poll));
        announce(gettext("A new vote is open: what happens next?"));
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
        clearPending();
        setVoteStatus(gettext("Vote accepted: it will be counted. You can change it until the end."));
        const option = poll.options.find((o) => o.id === m.option);
        announce(interpolate(gettext("Vote accepted: %s"), [option ? option.label : ""]));
        drawOptions();
      },
      "poll.decided": (m) => {
        if (m.scope === "round") { Rounds.decided(m); return; }
        if (!poll || m.poll !== poll.id) return;
        poll.status = "decided";
        poll.decision = { option: m.option, reason: m.reason };
        clearPending();
        setVoteStatus("");
        showIdle();
        drawOptions();
        drawBars(m.counts);
        showDecision();
        announce($("decision").textContent);
      },
      now_playing: (m) => setNowPlaying(m.episode),
      "screening.status": (m) => { setStatus(m.screening.status); if (player) player.setPaused(m.screening.paused_at || null); },
      "round.release": (m) => Rounds.release(m),
      error: (m) => {
        Rounds.failed(m);
        if (pending !== null) setVoteStatus(myVote ? gettext("Your earlier vote still counts.") : "");
        clearPending();
        $("toast").textContent = m.message || m.code;
        setTimeout(() => { $("toast").textContent = ""; }, 4000);
        if (poll) drawOptions();
      },
    },
  });

  function setStatus(value) {
    status = value;
    const el = $("screening-status");
    el.dataset.status = value;
    el.textContent = Live.statusText(value, root.dataset.starts);
    showIdle();
  }

  // Before the first poll, say what will happen instead of showing an empty page. Once a poll is
  // shown (open or decided) it takes the place: nothing pushes the result below the fold.
  function showIdle() {
    const over = status === "ended" || status === "cancelled";
    $("idle").classList.toggle("hidden", over || closedForGood || poll !== null);
  }

  // The server closed the socket for good (e.g. the ticket was refunded during the screening).
  function closed(detail) {
    closedForGood = true;
    clearPending();
    $("poll").classList.add("hidden");
    showIdle();
    $("closed-note").textContent = detail || gettext("Disconnected");
    $("closed-note").classList.remove("hidden");
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
    $("poll").classList.toggle("hidden", !p || closedForGood);
    if (!p) return;
    $("decision").classList.add("hidden");
    setVoteStatus(myVote && p.status === "open" ? gettext("Vote accepted: it will be counted.") : notice);
    drawOptions();
    drawBars(p.counts);
    if (p.status === "open") Live.countdown($("countdown"), p.closes_at, socket);
    else { Live.countdown($("countdown"), null, socket); showDecision(); }
  }

  // One button per option, made once per poll; later calls only update their state.
  function drawOptions() {
    const box = $("options");
    if (!poll) { box.replaceChildren(); return; }
    if (box.dataset.poll !== String(poll.id)) {
      box.replaceChildren();
      box.dataset.poll = poll.id;
      for (const option of poll.options) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = option.label;
        button.dataset.option = option.id;
        button.addEventListener("click", () => vote(option.id));
        box.append(button);
      }
    }
    for (const button of box.children) {
      const id = Number(button.dataset.option);
      button.setAttribute("aria-pressed", String(id === (pending || myVote)));
      button.classList.toggle("accepted", id === myVote);
      // Not `disabled` while open: a disabled button loses keyboard focus. Once decided, they are.
      button.disabled = poll.status !== "open";
    }
  }

  function drawBars(counts) {
    if (!poll) return;
    const hidden = counts === null || counts === undefined;
    $("hidden-note").classList.toggle("hidden", !(hidden && poll.hide_results && poll.status === "open"));
    $("bars").classList.toggle("hidden", hidden);
    if (!hidden) Live.renderBars($("bars"), poll.options, counts, poll.decision && poll.decision.option);
  }

  function showDecision() {
    if (!poll || !poll.decision) return;
    const winner = poll.options.find((o) => o.id === poll.decision.option);
    $("decision").textContent = interpolate(gettext("Decided: %s (%s)"), [
      winner ? winner.label : "?", REASONS[poll.decision.reason] || poll.decision.reason]);
    $("decision").classList.remove("hidden");
    Live.countdown($("countdown"), null, socket); // stops with the decision
  }

  function vote(optionId) {
    if (!poll || poll.status !== "open" || closedForGood) return;
    clearPending();
    notice = "";
    pending = optionId;
    setVoteStatus(gettext("Sending…"));
    drawOptions();
    if (!socket.send({ type: "vote", poll: poll.id, option: optionId, ref: String(Date.now()) })) {
      clearPending();
      setVoteStatus(gettext("Not connected: your vote was not sent. Reconnecting…"));
      drawOptions();
      return;
    }
    // A socket can die without closing (a phone changing networks): no answer in time means the
    // vote may not have arrived. Say so, and reconnect; the fresh `state` shows the vote that counts.
    pendingTimer = setTimeout(() => {
      if (pending === null) return;
      clearPending();
      notice = gettext("No answer from the server: your vote may not have arrived. Reconnecting — then vote again.");
      setVoteStatus(notice);
      drawOptions();
      socket.connect();
    }, SEND_TIMEOUT_MS);
  }
})();
