// The cinema screen: plays what is playing, shows the join QR, the poll with live bars, then the decision.
(function () {
  "use strict";
  const root = document.getElementById("screen");
  const $ = (id) => document.getElementById(id);
  let poll = null;
  let episodeId = null;

  const socket = new Live.LiveSocket({
    screeningId: root.dataset.screening,
    hello: { type: "hello", watch: true },
    on: {
      status: (state) => { $("conn").textContent = state === "connected" ? "" : state; $("conn").classList.toggle("hidden", state === "connected"); },
      state: (m) => { play(m.now_playing); showPoll(m.poll); },
      "poll.opened": (m) => { if (m.poll.scope !== "round") showPoll(Live.openedPoll(m.poll)); }, // rounds: audience page
      tally: (m) => { if (poll && m.poll === poll.id && poll.status === "open") drawBars(m.counts); },
      "poll.decided": (m) => {
        if (!poll || m.poll !== poll.id) return;
        poll.status = "decided";
        poll.decision = { option: m.option, reason: m.reason };
        drawBars(m.counts);
        showDecision();
        setTimeout(() => { if (poll && poll.status === "decided") $("poll").classList.add("hidden"); }, 8000);
      },
      now_playing: (m) => play(m.episode),
    },
  });

  $("unmute").addEventListener("click", () => { $("video").muted = false; $("unmute").classList.add("hidden"); });
  $("fullscreen").addEventListener("click", () => {
    document.documentElement.requestFullscreen().catch(() => { /* not allowed: use the browser's kiosk mode */ });
  });
  // The controls only matter while setting up: they hide once the screen is full.
  document.addEventListener("fullscreenchange", () => {
    $("controls").classList.toggle("hidden", !!document.fullscreenElement && $("video").muted === false);
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

  function play(episode) {
    if (!episode || episode.id === episodeId) return;
    episodeId = episode.id;
    $("episode-title").textContent = episode.title;
    root.dataset.episode = episode.id;
    const video = $("video");
    if (episode.media_url) {
      video.src = episode.media_url;
      video.classList.remove("hidden");
      $("title-card").classList.add("hidden");
      video.play().catch(() => { /* autoplay refused: the organizer presses play */ });
    } else {
      video.removeAttribute("src");
      video.classList.add("hidden");
      $("title-card").classList.remove("hidden");
    }
  }

  function showPoll(p) {
    poll = p;
    $("poll").classList.toggle("hidden", !p || p.status !== "open");
    if (!p || p.status !== "open") return;
    $("decision").classList.add("hidden");
    drawBars(p.counts);
    Live.countdown($("countdown"), p.closes_at, socket);
  }

  function drawBars(counts) {
    const hidden = counts === null || counts === undefined;
    $("hidden-note").classList.toggle("hidden", !hidden);
    Live.renderBars($("bars"), poll.options, hidden ? null : counts);
  }

  function showDecision() {
    const winner = poll.options.find((o) => o.id === poll.decision.option);
    $("decision").textContent = "Next: " + (winner ? winner.label : "?");
    $("decision").classList.remove("hidden");
    $("countdown").textContent = "";
    $("hidden-note").classList.add("hidden");
  }
})();
