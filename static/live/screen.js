// The cinema screen: plays what is playing on the screening's one clock (player.js), shows the
// join QR, the poll with live bars, the decision until the next episode starts, and an end card.
(function () {
  "use strict";
  const root = document.getElementById("screen");
  const $ = (id) => document.getElementById(id);
  const episodes = JSON.parse(document.getElementById("episodes").textContent);
  let poll = null;
  let status = null;
  const CONNECTION = { connecting: gettext("connecting…"), reconnecting: gettext("reconnecting…"), closed: gettext("closed") };

  const socket = new Live.LiveSocket({
    screeningId: root.dataset.screening,
    hello: { type: "hello", watch: true },
    on: {
      status: (state) => { $("conn").textContent = state === "connected" ? "" : CONNECTION[state] || state; $("conn").classList.toggle("hidden", state === "connected"); },
      state: (m) => { setScreening(m.screening); play(m.now_playing); showPoll(m.poll); },
      "poll.opened": (m) => { if (m.poll.scope !== "round") showPoll(Live.openedPoll(m.poll)); }, // rounds: audience page
      tally: (m) => { if (poll && m.poll === poll.id && poll.status === "open") drawBars(m.counts); },
      "poll.decided": (m) => {
        if (!poll || m.poll !== poll.id) return;
        poll.status = "decided";
        poll.decision = { option: m.option, reason: m.reason };
        drawBars(m.counts);
        showDecision(); // kept on the screen until the next episode starts
      },
      now_playing: (m) => play(m.episode),
      "screening.status": (m) => setScreening(m.screening),
    },
  });

  const player = new LivePlayer.SyncedPlayer({
    stage: $("stage"), socket, episodes, titleCard: $("title-card"),
    onTick: (position, remaining) => { $("episode-clock").textContent = player.current ? LivePlayer.clock(remaining) : ""; },
  });

  $("unmute").addEventListener("click", () => { player.setMuted(false); $("unmute").classList.add("hidden"); });
  $("fullscreen").addEventListener("click", () => {
    document.documentElement.requestFullscreen().catch(() => { /* not allowed: use the browser's kiosk mode */ });
  });
  // The controls only matter while setting up: they hide once the screen is full.
  document.addEventListener("fullscreenchange", () => {
    $("controls").classList.toggle("hidden", !!document.fullscreenElement && !player.muted);
  });
  // They also fade after a few seconds without the mouse or keyboard, and come back on the next move.
  let idleTimer = null;
  function wake() {
    $("corner").classList.remove("idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => $("corner").classList.add("idle"), 4000);
  }
  for (const event of ["mousemove", "keydown", "touchstart"]) document.addEventListener(event, wake, { passive: true });
  wake();

  function setScreening(screening) {
    status = screening.status;
    root.dataset.status = status;
    player.setPaused(screening.paused_at || null);
    $("paused-card").classList.toggle("hidden", !screening.paused_at);
    const over = status === "ended" || status === "cancelled";
    $("end-card").classList.toggle("hidden", !over);
    $("join").classList.toggle("hidden", over);
    if (over) $("poll").classList.add("hidden");
  }

  function play(episode) {
    const changed = !player.current || !episode || player.current.id !== episode.id;
    player.show(episode);
    if (!episode) return;
    $("episode-title").textContent = episode.title;
    root.dataset.episode = episode.id;
    // A decision stays up until the episode it chose starts; then the stage is the film's again.
    if (changed && poll && poll.status === "decided") { poll = null; $("poll").classList.add("hidden"); }
  }

  function showPoll(p) {
    poll = p;
    $("poll").classList.toggle("hidden", !p || (p.status !== "open" && !p.decision));
    if (!p) return;
    if (p.status === "open") {
      $("decision").classList.add("hidden");
      player.preload(p.options.map((o) => o.target)); // the winner then plays without a gap
      Live.countdown($("countdown"), p.closes_at, socket);
    }
    drawBars(p.counts);
    if (p.status !== "open") showDecision();
  }

  function drawBars(counts) {
    const hidden = counts === null || counts === undefined;
    $("hidden-note").classList.toggle("hidden", !hidden);
    Live.renderBars($("bars"), poll.options, hidden ? null : counts, poll.decision && poll.decision.option);
  }

  function showDecision() {
    if (!poll.decision) return;
    const winner = poll.options.find((o) => o.id === poll.decision.option);
    Live.countdown($("countdown"), null, socket); // the countdown stops with the decision
    $("decision").textContent = interpolate(gettext("Next: %s"), [winner ? winner.label : "?"]);
    $("decision").classList.remove("hidden");
    $("hidden-note").classList.add("hidden");
    $("poll").classList.remove("hidden");
  }
})();
