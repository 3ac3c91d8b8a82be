// The organizer's live console: every action is a REST call (API.md); live state comes over the websocket.
(function () {
  "use strict";
  const root = document.getElementById("console");
  const $ = (id) => document.getElementById(id);
  const screeningId = root.dataset.screening;
  const graph = JSON.parse(document.getElementById("graph").textContent);
  let poll = null;
  let nowPlaying = null;
  let status = $("status").textContent.trim();

  const socket = new Live.LiveSocket({
    screeningId,
    hello: { type: "hello", watch: true },
    on: {
      status: (state) => { $("conn").dataset.state = state; $("conn").textContent = state; },
      state: (m) => { setStatus(m.screening.status); setNowPlaying(m.now_playing); showPoll(m.poll); },
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
      "screening.status": (m) => setStatus(m.screening.status),
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
      $("toast").textContent = (data.error && data.error.message) || ("Error " + response.status);
      throw new Error($("toast").textContent);
    }
    $("toast").textContent = "";
    return data;
  }

  $("start").addEventListener("click", async () => {
    const data = await api("screenings/" + screeningId + "/start/");
    setStatus(data.status); setNowPlaying(data.now_playing);
  });
  $("end").addEventListener("click", async () => setStatus((await api("screenings/" + screeningId + "/end/")).status));
  $("close").addEventListener("click", async () => {
    if (!poll) return;
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
    $("status").textContent = value;
    $("start").disabled = !(value === "scheduled" || value === "on_sale");
    $("end").disabled = value !== "live";
    drawAdvance();
  }

  function setNowPlaying(episode) {
    nowPlaying = episode;
    $("now-playing").textContent = episode ? episode.title : "—";
    drawAdvance();
  }

  function drawAdvance() {
    const box = $("advance");
    box.replaceChildren();
    const next = nowPlaying ? (graph[String(nowPlaying.id)] || []) : [];
    if (!next.length) { box.textContent = nowPlaying ? "An ending: nothing follows." : ""; }
    for (const branch of next) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "→ " + branch.target_title + (branch.target_published ? "" : " (unpublished)");
      button.title = branch.label;
      button.disabled = status !== "live" || !!(poll && poll.status === "open");
      button.addEventListener("click", async () => {
        setNowPlaying((await api("screenings/" + screeningId + "/advance/", { episode: branch.target })).now_playing);
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
    $("poll-status").textContent = p.status + (p.hide_results ? " · results hidden from the audience" : "");
    $("close").disabled = p.status !== "open";
    drawCounts(p.counts);
    if (p.status === "open") {
      $("decision").classList.add("hidden");
      Live.countdown($("countdown"), p.closes_at, socket);
    } else {
      $("countdown").textContent = "";
      if (p.decision) {
        const winner = p.options.find((o) => o.id === p.decision.option);
        $("decision").textContent = "Decided: " + (winner ? winner.label : "?") + " (" + p.decision.reason + ")";
        $("decision").classList.remove("hidden");
      }
    }
  }

  function drawCounts(counts) {
    if (!poll) return;
    Live.renderBars($("bars"), poll.options, counts || null);
    $("total").textContent = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : "—";
  }
})();
