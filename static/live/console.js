// The organizer's live console: every action is a REST call (API.md); live state comes over the websocket.
(function () {
  "use strict";
  const root = document.getElementById("console");
  const $ = (id) => document.getElementById(id);
  const screeningId = root.dataset.screening;
  const graph = JSON.parse(document.getElementById("graph").textContent);
  let poll = null;
  let nowPlaying = null;
  let status = $("status").dataset.status;
  const STATUS_WORDS = {
    scheduled: gettext("Scheduled"), on_sale: gettext("On sale"), live: gettext("Live"),
    ended: gettext("Ended"), cancelled: gettext("Cancelled"),
  };
  let screeningState = { autopilot: false, paused_at: null };
  const REASONS = { majority: gettext("most votes"), tie_break: gettext("tie-break rule"),
                    no_votes: gettext("no votes: default branch"), no_quorum: gettext("too few votes: default branch") };
  const CONNECTION = { connecting: gettext("connecting…"), connected: gettext("connected"),
                       reconnecting: gettext("reconnecting…"), closed: gettext("closed") };

  const socket = new Live.LiveSocket({
    screeningId,
    hello: { type: "hello", watch: true },
    on: {
      status: (state) => { $("conn").dataset.state = state; $("conn").textContent = CONNECTION[state] || state; },
      state: (m) => { setScreening(m.screening); setNowPlaying(m.now_playing); showPoll(m.poll); },
      "poll.opened": (m) => { if (m.poll.scope !== "round") showPoll(Live.openedPoll(m.poll)); }, // rounds: audience page
      tally: (m) => { if (poll && m.poll === poll.id && poll.status === "open") drawCounts(m.counts); },
      "poll.decided": (m) => {
        if (!poll || m.poll !== poll.id) return;
        poll.status = "decided";
        poll.decision = { option: m.option, reason: m.reason };
        showPoll(poll);
        drawCounts(m.counts);
      },
      now_playing: (m) => setNowPlaying(m.episode),
      "screening.status": (m) => setScreening(m.screening),
    },
  });

  async function api(path, body) {
    const response = await fetch("/api/" + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      $("toast").textContent = (data.error && data.error.message) || interpolate(gettext("Error %s"), [response.status]);
      throw new Error($("toast").textContent);
    }
    $("toast").textContent = "";
    return data;
  }

  // The episode's clock, for "time left" (the console plays nothing).
  const clock = new LivePlayer.SyncedPlayer({
    stage: document.createElement("div"), socket, media: false,
    onTick: (position, remaining) => { $("episode-left").textContent = clock.current ? interpolate(gettext("%s left in this episode"), [LivePlayer.clock(remaining)]) : ""; },
  });

  async function start(autopilot) {
    const data = await api("screenings/" + screeningId + "/start/", { autopilot });
    setScreening(data); setNowPlaying(data.now_playing);
  }
  $("start").addEventListener("click", () => start(false));
  $("start-autopilot").addEventListener("click", () => start(true));
  $("pause").addEventListener("click", async () => {
    setScreening(await api("screenings/" + screeningId + "/autopilot/", { paused: !screeningState.paused_at }));
  });
  $("end").addEventListener("click", async () => {
    if (!window.confirm(gettext("End the screening for everyone?"))) return;
    setScreening(await api("screenings/" + screeningId + "/end/"));
  });
  $("close").addEventListener("click", async () => {
    if (!poll || !window.confirm(gettext("Close the vote now and decide with the votes so far?"))) return;
    const data = await api("polls/" + poll.id + "/close/");
    showPoll(data);
  });
  $("open-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { duration_seconds: Number(form.get("duration_seconds")), hide_results: form.get("hide_results") === "on" };
    if (form.get("quorum")) body.quorum = Number(form.get("quorum"));
    showPoll(await api("screenings/" + screeningId + "/polls/", body));
  });

  function setStatus(value) {
    status = value;
    $("status").dataset.status = value;
    $("status").textContent = STATUS_WORDS[value] || value;
    $("start").disabled = $("start-autopilot").disabled = !(value === "scheduled" || value === "on_sale");
    $("end").disabled = value !== "live";
    drawAdvance();
  }

  function setScreening(screening) {
    screeningState = screening;
    setStatus(screening.status);
    const live = screening.status === "live";
    $("pause").classList.toggle("hidden", !(live && screening.autopilot));
    $("pause").textContent = screening.paused_at ? gettext("Resume") : gettext("Pause");
    $("autopilot-state").textContent = !screening.autopilot ? "" :
      (screening.paused_at ? gettext("Autopilot paused") : gettext("On autopilot"));
    clock.setPaused(screening.paused_at || null);
  }

  function setNowPlaying(episode) {
    nowPlaying = episode;
    clock.show(live() ? episode : null);
    $("now-playing").textContent = episode ? episode.title : "—";
    drawAdvance();
  }

  function live() { return status === "live"; }

  // Tickets connected now, across every server process (GET …/presence/), refreshed every few seconds.
  async function presence() {
    try {
      const response = await fetch("/api/screenings/" + screeningId + "/presence/", { credentials: "same-origin" });
      const data = await response.json();
      $("presence").textContent = data.tickets_connected === null ? "?" : String(data.tickets_connected);
    } catch (err) {
      $("presence").textContent = "?";
    }
  }
  presence();
  setInterval(presence, 4000);
  setStatus(status);

  function drawAdvance() {
    const box = $("advance");
    box.replaceChildren();
    const next = nowPlaying ? (graph[String(nowPlaying.id)] || []) : [];
    if (!next.length) { box.textContent = nowPlaying ? gettext("An ending: nothing follows.") : ""; }
    for (const branch of next) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "→ " + (branch.target_published ? branch.target_title : interpolate(gettext("%s (unpublished)"), [branch.target_title]));
      button.title = branch.label;
      button.disabled = status !== "live" || !!(poll && poll.status === "open");
      button.addEventListener("click", async () => {
        const data = await api("screenings/" + screeningId + "/advance/", { episode: branch.target });
        setScreening(data); setNowPlaying(data.now_playing);
      });
      box.append(button);
    }
    $("open").disabled = status !== "live" || next.length < 2 || !!(poll && poll.status === "open");
  }

  function showPoll(p) {
    poll = p;
    $("poll").classList.toggle("hidden", !p);
    drawAdvance();
    if (!p) return;
    $("poll-id").textContent = "#" + p.id;
    $("poll-status").textContent = p.status + (p.hide_results ? " · " + gettext("results hidden from the audience") : "");
    $("close").disabled = p.status !== "open";
    drawCounts(p.counts);
    if (p.status === "open") {
      $("decision").classList.add("hidden");
      Live.countdown($("countdown"), p.closes_at, socket);
    } else {
      Live.countdown($("countdown"), null, socket); // stops with the decision
      if (p.decision) {
        const winner = p.options.find((o) => o.id === p.decision.option);
        $("decision").textContent = interpolate(gettext("Decided: %s (%s)"), [winner ? winner.label : "?", REASONS[p.decision.reason] || p.decision.reason]);
        $("decision").classList.remove("hidden");
      }
    }
  }

  function drawCounts(counts) {
    if (!poll) return;
    Live.renderBars($("bars"), poll.options, counts || null, poll.decision && poll.decision.option);
    $("total").textContent = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : "—";
  }
})();
