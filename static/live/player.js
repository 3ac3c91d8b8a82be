// One clock for every screen (API.md 1.1): the episode now playing is shown at
// server now − now_playing.started_at, so every cinema screen and every online viewer of a
// screening shows the same frame. The server's clock comes from the socket (state.server_time
// and pong.server_time, corrected by half the round trip: socket.js).
//
// Candidate next episodes are preloaded while a poll is open, each in a <video> of its own, so
// that the winner replaces the current picture without a black gap.
(function () {
  "use strict";

  const DRIFT_SECONDS = 0.3; // a video further off the clock than this is moved back onto it

  class SyncedPlayer {
    // stage: the element that holds the videos and the title card; episodes: {id: {title, media_url,
    // duration_seconds}} of the production (json_script); socket: a Live.LiveSocket (its clock).
    constructor({ stage, socket, episodes, titleCard, onTick, media = true }) {
      this.withMedia = media; // false: the clock only (the console shows time left, plays nothing)
      this.stage = stage;
      this.socket = socket;
      this.episodes = episodes || {};
      this.titleCard = titleCard;
      this.onTick = onTick || (() => {});
      this.videos = new Map(); // episode id -> <video>
      this.current = null; // {id, started_at (ms), duration}
      this.pausedAt = null; // ms on the server's clock, while an autopilot screening is paused
      this.muted = true;
      setInterval(() => this.tick(), 250);
    }

    // Seconds into the current episode on the shared clock (frozen while paused).
    position() {
      if (!this.current || this.current.startedAt === null) return 0;
      const now = this.pausedAt !== null ? this.pausedAt : this.socket.now();
      return Math.max(0, (now - this.current.startedAt) / 1000);
    }

    remaining() { return this.current ? Math.max(0, this.current.duration - this.position()) : 0; }

    show(episode) {
      if (!episode) { this.current = null; this.render(null); return; }
      const startedAt = episode.started_at ? Date.parse(episode.started_at) : null;
      const same = this.current && this.current.id === episode.id;
      const media = this.withMedia ? episode.media_url || (this.episodes[episode.id] || {}).media_url || "" : "";
      this.current = { id: episode.id, startedAt, duration: episode.duration_seconds, title: episode.title, media };
      if (!same) this.render(episode);
      this.tick();
    }

    setPaused(pausedAtIso) {
      this.pausedAt = pausedAtIso ? Date.parse(pausedAtIso) : null;
      const video = this.activeVideo();
      if (video) { if (this.pausedAt !== null) video.pause(); else video.play().catch(() => {}); }
      this.tick();
    }

    setMuted(muted) { this.muted = muted; for (const video of this.videos.values()) video.muted = muted; }

    // Warm up the episodes a poll may lead to.
    preload(episodeIds) {
      if (!this.withMedia) return;
      this.keep = new Set(episodeIds.map(Number));
      for (const id of episodeIds) {
        const media = (this.episodes[id] || {}).media_url;
        if (media) this.videoFor(id, media);
      }
    }

    videoFor(id, media) {
      let video = this.videos.get(id);
      if (!video) {
        video = document.createElement("video");
        video.playsInline = true;
        video.muted = this.muted;
        video.preload = "auto";
        video.dataset.episode = id;
        video.className = "synced hidden";
        video.src = media;
        this.stage.prepend(video);
        this.videos.set(id, video);
      }
      return video;
    }

    activeVideo() { return this.current ? this.videos.get(this.current.id) || null : null; }

    render(episode) {
      this.stage.dataset.episode = episode ? episode.id : "";
      const media = this.current ? this.current.media : "";
      if (!media) {
        for (const video of this.videos.values()) { video.pause(); video.classList.add("hidden"); }
        if (this.titleCard) this.titleCard.classList.remove("hidden");
        return;
      }
      const next = this.videoFor(this.current.id, media);
      next.currentTime = this.position();
      const reveal = () => {
        next.classList.remove("hidden");
        if (this.titleCard) this.titleCard.classList.add("hidden");
        for (const [id, video] of this.videos) if (video !== next) { video.pause(); video.classList.add("hidden"); this.forget(id); }
      };
      if (this.pausedAt === null) next.play().then(reveal, reveal); else reveal();
    }

    // Only the current episode and the ones preloaded for an open poll keep their videos.
    forget(id) {
      if (this.keep && this.keep.has(Number(id))) return;
      const video = this.videos.get(id);
      if (video) { video.removeAttribute("src"); video.remove(); this.videos.delete(id); }
    }

    tick() {
      const video = this.activeVideo();
      const position = this.position();
      if (video && this.pausedAt === null && Math.abs(video.currentTime - position) > DRIFT_SECONDS
          && position < (video.duration || Infinity)) {
        video.currentTime = position;
      }
      this.stage.dataset.position = position.toFixed(2);
      this.onTick(position, this.remaining());
    }
  }

  // m:ss (or h:mm:ss) for a number of seconds.
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + r : m + ":" + r;
  }

  window.LivePlayer = { SyncedPlayer, clock };
})();
