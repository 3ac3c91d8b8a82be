// Live updates of a production page: each release arrives over the websocket
// (`episode.released`); the page redraws the graph and the episode's status.
// Reconnects with backoff and redraws on every (re)connect, so a message lost
// while disconnected never leaves the page stale.
(function () {
  "use strict";
  var script = document.currentScript;
  var productionId = script && script.dataset.production;
  if (!productionId || !window.WebSocket) return;
  var graph = document.getElementById("story-graph");
  var delay = 1000;
  var connectedOnce = false;

  function redrawGraph() {
    if (!graph) return;
    fetch(graph.dataset.graphUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (svg) { if (svg) graph.innerHTML = svg; })
      .catch(function () {});
  }

  function showRelease(episode) {
    document.querySelectorAll('[data-episode-status="' + episode.id + '"]').forEach(function (el) {
      el.textContent = episode.status;
      el.className = "badge status-" + episode.status;
    });
    var list = document.getElementById("released-episodes");
    if (list && !list.querySelector('[data-episode="' + episode.id + '"]')) {
      var item = document.createElement("li");
      item.dataset.episode = episode.id;
      var link = document.createElement("a");
      link.href = "/episodes/" + episode.id + "/";
      link.textContent = episode.title;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + gettext("just released")));
      list.appendChild(item);
    }
    var note = document.getElementById("live-note");
    if (note) { note.textContent = interpolate(gettext("New episode released: %s"), [episode.title]); note.hidden = false; }
    redrawGraph();
  }

  // A release round was decided (docs/websocket.md): say what is released, and when.
  function showRoundDecision(message) {
    var note = document.getElementById("live-note");
    var title = message.episode.title;
    var text = message.status === "scheduled" && message.release_at
      ? interpolate(gettext("The audience decided: %s will be released at %s."),
                    [title, new Date(message.release_at).toLocaleString(document.documentElement.lang || undefined)])
      : interpolate(message.status === "published" ? gettext("The audience decided: %s is released.")
                                                   : gettext("The audience decided: %s was chosen."), [title]);
    if (note) { note.textContent = text; note.hidden = false; }
    redrawGraph();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/productions/" + productionId + "/");
    socket.onopen = function () {
      delay = 1000;
      if (connectedOnce) redrawGraph();
      connectedOnce = true;
      document.body.dataset.live = "connected";
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "episode.released") showRelease(message.episode);
      if (message.type === "round.release") showRoundDecision(message);
    };
    socket.onclose = function (event) {
      document.body.dataset.live = "closed";
      if (event.code >= 4400 && event.code < 4500) return; // refused: retrying will not help
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
