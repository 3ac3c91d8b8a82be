// Release rounds on the audience's phone (docs/websocket.md, `rounds`): every open round of the
// production, its overall bars, this ticket's vote, the decision and the release it leads to.
// A ticket whose screening did not show the decision episode sees the round but cannot vote.
(function () {
  "use strict";
  const REASONS = { majority: gettext("most votes"), tie_break: gettext("tie-break rule"),
                    no_votes: gettext("no votes: default branch"), no_quorum: gettext("too few votes: default branch") };

  window.RoundsView = function (container, send) {
    const rounds = new Map(); // id -> {poll, myVote, pending, release}

    function el(tag, props, text) {
      const node = document.createElement(tag);
      Object.assign(node, props || {});
      if (text !== undefined) node.textContent = text;
      return node;
    }

    function draw() {
      container.replaceChildren();
      for (const r of rounds.values()) container.append(card(r));
    }

    function card(r) {
      const p = r.poll;
      const box = el("section", { className: "poll round" });
      box.dataset.round = p.id;
      box.append(el("h2", {}, p.status === "open" ? gettext("Release round: which episode comes next?") : gettext("Release round decided")));
      if (p.status === "open") {
        box.append(el("p", { className: "muted" }, interpolate(gettext("Every screening votes together until %s."),
          [new Date(p.closes_at).toLocaleString(document.documentElement.lang || undefined)])));
      }
      const options = el("div", { className: "options" });
      for (const option of p.options) {
        const button = el("button", { type: "button" }, option.label);
        button.dataset.option = option.id;
        button.setAttribute("aria-pressed", String(option.id === (r.pending || r.myVote)));
        if (option.id === r.myVote) button.classList.add("accepted");
        button.disabled = p.status !== "open" || !p.may_vote;
        button.addEventListener("click", () => vote(r, option.id));
        options.append(button);
      }
      box.append(options);
      const note = el("p", { className: "muted round-status" });
      if (!p.may_vote && p.status === "open") note.textContent = gettext("Your screening did not show this episode: you can follow the vote but cannot take part.");
      else if (r.myVote && p.status === "open") note.textContent = gettext("Vote accepted: it will be counted. You can change it until the round closes.");
      else if (r.myVote) note.textContent = gettext("Your vote was counted.");  // decided: nothing left to change
      box.append(note);
      const bars = el("div", { className: "bars" });
      if (p.counts) Live.renderBars(bars, p.options, p.counts, p.decision && p.decision.option);
      else if (p.status === "open") box.append(el("p", { className: "muted" }, gettext("Results are hidden until the round closes.")));
      box.append(bars);
      if (p.decision) {
        const winner = p.options.find((o) => o.id === p.decision.option);
        box.append(el("p", { className: "decision" }, interpolate(gettext("Decided: %s (%s)"),
          [winner ? winner.label : "?", REASONS[p.decision.reason] || p.decision.reason])));
      }
      if (r.release) {
        const title = r.release.episode.title;
        const text = r.release.status === "scheduled" && r.release.release_at
          ? interpolate(gettext("“%s” is released at %s."), [title, new Date(r.release.release_at).toLocaleString(document.documentElement.lang || undefined)])
          : interpolate(r.release.status === "published" ? gettext("“%s” is released now.") : gettext("“%s” was chosen."), [title]);
        box.append(el("p", { className: "release" }, text));
      }
      if (p.status === "decided") {
        const para = el("p");
        para.append(el("a", { href: "/polls/" + p.id + "/result/" }, gettext("Verifiable result")));
        box.append(para);
      }
      return box;
    }

    function vote(r, optionId) {
      if (r.poll.status !== "open" || !r.poll.may_vote) return;
      r.pending = optionId;
      if (!send({ type: "vote", poll: r.poll.id, option: optionId, ref: "round-" + r.poll.id })) r.pending = null;
      draw();
    }

    return {
      fromState(list) {
        const previous = new Map(rounds);
        rounds.clear();
        for (const p of list) rounds.set(p.id, { poll: p, myVote: p.my_vote, pending: null,
                                                 release: (previous.get(p.id) || {}).release || null });
        draw();
      },
      opened(p) {
        const zeros = Object.fromEntries(p.options.map((o) => [String(o.id), 0]));
        rounds.set(p.id, { poll: Object.assign({ status: "open", decision: null, counts: p.hide_results ? null : zeros }, p),
                           myVote: null, pending: null, release: null });
        draw();
      },
      tally(m) {
        const r = rounds.get(m.poll);
        if (!r || r.poll.status !== "open") return;
        r.poll.counts = m.counts;
        draw();
      },
      accepted(m) {
        const r = rounds.get(m.poll);
        if (!r) return false;
        r.myVote = m.option;
        r.pending = null;
        draw();
        return true;
      },
      decided(m) {
        const r = rounds.get(m.poll);
        if (!r) return;
        Object.assign(r.poll, { status: "decided", counts: m.counts, decision: { option: m.option, reason: m.reason } });
        draw();
      },
      release(m) {
        const r = rounds.get(m.poll);
        if (!r) return;
        r.release = m;
        draw();
      },
      failed(m) {
        if (!m.ref || !m.ref.startsWith("round-")) return;
        const r = rounds.get(Number(m.ref.slice(6)));
        if (r) { r.pending = null; draw(); }
      },
    };
  };
})();
