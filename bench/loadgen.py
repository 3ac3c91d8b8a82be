"""A load generator that drives the platform the way phones do: REST and websockets only.

    python bench/loadgen.py --base http://127.0.0.1:8000 --username admin --password secret \\
        --viewers 1000 --votes 1

Standalone on purpose (standard library and the `websockets` package, uvloop if installed; no Django import): it is a
client of the public interface (/work/shared/API.md, docs/websocket.md) and nothing else, so it
runs from another machine as well. As an organizer it builds a production (a start episode, two
branches), a venue and a screening of VIEWERS seats, buys every seat (orders of at most 100
tickets, the ceiling any screening allows), starts the screening, joins VIEWERS sockets (one per
ticket, each from a loopback address of its own range, see ADDRESSES), opens a live poll, has every
socket vote VOTES times (each waiting for its answer; later votes change the option; all at once, or
with --vote-window W the first votes spread evenly over W seconds), waits for
`poll.decided` on every socket and reads the counted totals back from GET /api/polls/{id}/.

The result is one JSON object on stdout. Progress goes to stderr; with --sync, it also prints
`loadgen: phase <name>` on stderr at `ready` (before the sockets join), `joined` (all sockets
idle), `voted` (every vote answered) and `done` (decided, counts read), then waits for a line on stdin: the orchestrator
(bench/run.py) samples the server processes' memory and CPU at those points.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import resource
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

try:  # the event loop the server runs on too; optional, so the client still runs anywhere
    import uvloop
except ImportError:
    uvloop = None

ORDER_MAX = 100  # ORDER_QUANTITY_CEILING: no screening sells more tickets in one order
# Client addresses: 127.0.0.2 ... 127.0.0.254 (Linux routes all of 127/8 to the loopback). Phones
# come from many addresses; one address for all would meet WEBSOCKET_MAX_PER_ADDRESS (2,000 per
# server process), the per-address limit a real audience never hits, and would measure that limit.
ADDRESSES = [f"127.0.0.{n}" for n in range(2, 255)]


def log(message: str) -> None:
    print(f"loadgen: {message}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1)] if p > 0 else values[0]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def peak_per_second(times: list[float]) -> int:
    """The most messages within any one second (times sorted, as they arrived)."""
    peak, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Api:
    """JSON over HTTP with the organizer's token (urllib: the standard library is enough)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, expect: tuple[int, ...] = (200, 201)) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> {status}: {text[:500]!r}")
        return json.loads(text) if text else {}


def build_screening(api: Api, *, viewers: int) -> dict:
    """Production (start → two branches), venue, screening of `viewers` seats; every seat bought."""
    tag = uuid.uuid4().hex[:8]
    production = api.call("POST", "/api/productions/", {"title": f"Load {tag}", "synopsis": "bench/loadgen.py"})
    pid = production["id"]
    episodes = {
        name: api.call("POST", f"/api/productions/{pid}/episodes/", {"title": name, "duration_seconds": 600})["id"]
        for name in ("Opening", "Left", "Right")
    }
    api.call("PATCH", f"/api/productions/{pid}/", {"start_episode": episodes["Opening"]})
    for label, default in (("Left", True), ("Right", False)):
        api.call(
            "POST",
            f"/api/productions/{pid}/branches/",
            {"source": episodes["Opening"], "target": episodes[label], "label": label, "is_default": default},
        )
    for episode in episodes.values():
        api.call("POST", f"/api/episodes/{episode}/publish/", {})
    venue = api.call("POST", "/api/venues/", {"name": f"Hall {tag}", "city": "Bench", "seats": viewers})
    screening = api.call(
        "POST",
        "/api/screenings/",
        {
            "production": pid,
            "venue": venue["id"],
            "starts_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "capacity": viewers,
            "base_price": "8.00",
            "currency": "EUR",
            "half_price": False,
            "max_tickets_per_order": ORDER_MAX,
            "max_tickets_per_buyer": viewers,
        },
    )
    return {"production": pid, "screening": screening["id"]}


def buy_tickets(api: Api, *, screening: int, viewers: int) -> list[str]:
    """Every seat, ORDER_MAX at a time, one buyer per order (as a box office would)."""
    codes: list[str] = []
    while len(codes) < viewers:
        quantity = min(ORDER_MAX, viewers - len(codes))
        order = api.call(
            "POST",
            f"/api/screenings/{screening}/orders/",
            {"email": f"buyer{len(codes)}@bench.example", "name": "Bench", "quantity": quantity},
        )
        codes += [ticket["code"] for ticket in order["tickets"]]
    return codes


class Viewer:
    """One phone: its socket, what it received and when."""

    def __init__(self, n: int, code: str):
        self.n, self.code = n, code
        self.ws = None
        self.join_seconds: float | None = None
        self.state = asyncio.Event()
        self.decided = asyncio.Event()
        self.decided_at: float | None = None
        self.opened_at: float | None = None
        self.decision: dict | None = None
        self.tallies: list[float] = []  # when each `tally` arrived
        self.pending: dict[str, asyncio.Future] = {}
        self.acks: list[float] = []
        self.accepted = 0
        self.refused: Counter = Counter()
        self.refused_in_time = 0  # refused `poll_closed` although written to the socket before the close
        self.sent = 0
        self.late: set[str] = set()  # refs of votes whose answer did not come within the timeout
        self.late_answers: Counter = Counter()  # what those answers were when they came after all
        self.last_option: int | None = None
        self.closed: str | None = None
        self.join_error: str | None = None

    async def read(self) -> None:
        try:
            async for frame in self.ws:
                message = json.loads(frame)
                kind = message.get("type")
                if kind == "tally":
                    self.tallies.append(time.monotonic())
                elif kind == "state":
                    self.state.set()
                elif kind == "poll.opened":
                    self.opened_at = time.time()
                elif kind == "poll.decided":
                    self.decided_at, self.decision = time.time(), message
                    self.decided.set()
                elif kind in ("vote.accepted", "error"):
                    ref = message.get("ref") or ""
                    future = self.pending.pop(ref, None)
                    if future and not future.done():
                        future.set_result(message)
                    elif ref in self.late:
                        self.late_answers[message.get("code") or kind] += 1
                    else:
                        self.refused[f"unsolicited:{message.get('code')}"] += 1
        except Exception as error:  # a dropped socket is a result, not a crash
            self.closed = repr(error)
        else:
            self.closed = f"closed {self.ws.close_code}"
        for future in self.pending.values():
            if not future.done():
                future.set_result({"type": "error", "code": "socket_closed"})


async def join(viewer: Viewer, *, url: str, origin: str, timeout: float) -> None:
    started = time.monotonic()
    address = ADDRESSES[viewer.n % len(ADDRESSES)]
    try:
        viewer.ws = await connect(
            url,
            origin=origin,
            compression=None,
            open_timeout=timeout,
            ping_interval=None,  # the server's pings are answered; the bench's own would only add noise
            max_queue=None,
            local_addr=(address, 0),
        )
        asyncio.get_running_loop().create_task(viewer.read())
        await viewer.ws.send(json.dumps({"type": "hello", "ticket": viewer.code}))
        await asyncio.wait_for(viewer.state.wait(), timeout)
        viewer.join_seconds = time.monotonic() - started
    except Exception as error:  # counted and reported
        viewer.join_error = repr(error)[:200]


async def vote(
    viewer: Viewer, *, poll: int, options: list[int], votes: int, timeout: float, closes_at: float, start: float = 0
) -> None:
    if start:  # an audience over a window (--vote-window): this phone's first vote goes `start` s in
        await asyncio.sleep(start)
    for k in range(votes):
        option = options[(viewer.n + k) % len(options)]  # half the room each way; later votes switch
        ref = f"{viewer.n}.{k}"
        future = asyncio.get_running_loop().create_future()
        viewer.pending[ref] = future
        sent = time.monotonic()
        try:
            await viewer.ws.send(json.dumps({"type": "vote", "poll": poll, "option": option, "ref": ref}))
            viewer.sent += 1
            in_time = time.time() < closes_at  # written to the socket before the close
            answer = await asyncio.wait_for(future, timeout)
        except Exception:  # no answer in time or a closed socket
            viewer.pending.pop(ref, None)
            viewer.late.add(ref)
            answer = {"type": "error", "code": "no_answer"}
            in_time = False
        if answer["type"] == "vote.accepted":
            viewer.acks.append(time.monotonic() - sent)
            viewer.accepted += 1
            viewer.last_option = option
        else:
            viewer.refused[answer.get("code") or "error"] += 1
            if answer.get("code") == "poll_closed" and in_time:
                viewer.refused_in_time += 1  # the failure an audience must never see


async def phase(name: str, sync: bool) -> None:
    log(f"phase {name}")
    if sync and not await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline):
        raise SystemExit("loadgen: stdin closed (the orchestrator is gone): stopping")


async def bounded(coroutines, limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with gate:
            await coroutine

    await asyncio.gather(*(one(c) for c in coroutines))


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def run(args: argparse.Namespace) -> dict:
    api = Api(args.base)
    api.token = api.call("POST", "/api/auth/token/", {"username": args.username, "password": args.password})["token"]
    started = time.monotonic()
    ids = build_screening(api, viewers=args.viewers)
    screening = ids["screening"]
    codes = buy_tickets(api, screening=screening, viewers=args.viewers)
    api.call("POST", f"/api/screenings/{screening}/start/", {})
    setup_seconds = time.monotonic() - started
    log(f"screening {screening}: {len(codes)} tickets sold, started ({setup_seconds:.1f} s)")

    parts = urlsplit(args.base)
    url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/ws/screenings/{screening}/"
    origin = f"{parts.scheme}://{parts.netloc}"
    viewers = [Viewer(n, code) for n, code in enumerate(codes)]
    await phase("ready", args.sync)
    started = time.monotonic()
    await bounded([join(v, url=url, origin=origin, timeout=args.timeout) for v in viewers], args.connect_concurrency)
    join_total = time.monotonic() - started
    joined = [v for v in viewers if v.join_seconds is not None]
    log(f"{len(joined)}/{len(viewers)} sockets joined in {join_total:.1f} s")
    await phase("joined", args.sync)

    # Long enough that every vote lands before the close on a busy machine (~100 votes/s and up).
    duration = args.poll_seconds or min(3600, max(10, math.ceil(10 + args.viewers * args.votes / 100)))
    poll = api.call("POST", f"/api/screenings/{screening}/polls/", {"duration_seconds": duration})
    options = [option["id"] for option in poll["options"]]
    closes_at = parse_time(poll["closes_at"])
    log(f"poll {poll['id']} open for {duration} s; voting")
    started = time.monotonic()
    # A burst by default (every socket at once: the throughput); with --vote-window W the phones' first
    # votes are spread evenly over W seconds, as an audience votes (the latency at that arrival rate).
    spread = args.vote_window / len(joined) if joined else 0
    await asyncio.gather(
        *(
            vote(
                v,
                poll=poll["id"],
                options=options,
                votes=args.votes,
                timeout=args.timeout,
                closes_at=closes_at,
                start=i * spread,
            )
            for i, v in enumerate(joined)
        )
    )
    vote_seconds = time.monotonic() - started
    voted_before_close = time.time() < closes_at
    await phase("voted", args.sync)

    wait = max(0.0, closes_at - time.time()) + args.decision_timeout
    log(f"votes answered in {vote_seconds:.1f} s; waiting up to {wait:.0f} s for poll.decided")
    await asyncio.wait([asyncio.ensure_future(v.decided.wait()) for v in joined], timeout=wait)
    counted = api.call("GET", f"/api/polls/{poll['id']}/")
    deadline = time.monotonic() + args.decision_timeout
    while counted["status"] != "decided" and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        counted = api.call("GET", f"/api/polls/{poll['id']}/")
    await phase("done", args.sync)
    # Sockets the server (or the network) closed before their decision came; ours close next.
    dropped = Counter(v.closed for v in joined if v.closed and not v.decided_at)
    await asyncio.gather(*(v.ws.close() for v in viewers if v.ws), return_exceptions=True)
    return report(
        args,
        viewers=viewers,
        joined=joined,
        join_total=join_total,
        vote_seconds=vote_seconds,
        closes_at=closes_at,
        counted=counted,
        ids={**ids, "poll": poll["id"], "poll_seconds": duration},
        setup_seconds=setup_seconds,
        voted_before_close=voted_before_close,
        dropped=dropped,
    )


def report(args, *, viewers, joined, join_total, vote_seconds, closes_at, counted, ids, setup_seconds, **extra) -> dict:
    acks = [a for v in joined for a in v.acks]
    refused: Counter = Counter()
    for v in viewers:
        refused.update(v.refused)
    decided = [v for v in joined if v.decided_at is not None]
    delays = [v.decided_at - closes_at for v in decided]
    decision = counted.get("decision") or {}
    decided_at = parse_time(decision["decided_at"]) if decision.get("decided_at") else None
    expected = Counter(str(v.last_option) for v in joined if v.last_option is not None)
    counts = {str(k): n for k, n in (counted.get("counts") or {}).items()}
    windows = [v.decided_at - v.opened_at for v in decided if v.opened_at and v.decided_at > v.opened_at]
    tallies = [len(v.tallies) for v in joined]
    sent = sum(v.sent for v in joined)
    late: Counter = Counter()
    for v in joined:
        late.update(v.late_answers)
    closes = extra["dropped"]
    join_times = [v.join_seconds for v in joined]
    join_errors = Counter(v.join_error.split("(")[0] for v in viewers if v.join_error)
    return {
        "viewers": args.viewers,
        "votes_per_viewer": args.votes,
        **ids,
        "setup_seconds": round(setup_seconds, 2),
        "sockets_joined": len(joined),
        "join_errors": dict(join_errors),
        "join_total_seconds": round(join_total, 2),
        "join_per_second": round(len(joined) / join_total, 1) if join_total else None,
        "join_ms": {
            "p50": ms(pct(join_times, 50)),
            "p99": ms(pct(join_times, 99)),
            "max": ms(max(join_times, default=None)),
        },
        "votes_sent": sent,
        "votes_accepted": len(acks),
        "votes_refused": dict(refused),
        "votes_refused_total": sum(refused.values()),
        "votes_refused_closed_sent_in_time": sum(v.refused_in_time for v in viewers),
        # Answers that came after the client had given up (--timeout) on them: e.g. `vote.accepted`
        # (stored and counted, but late) or `poll_closed` (the server read the frame after the close).
        "late_answers": dict(late),
        "vote_window_seconds": args.vote_window,
        "vote_seconds": round(vote_seconds, 2),
        "votes_per_second": round(len(acks) / vote_seconds, 1) if vote_seconds else None,
        "ack_ms": {p: ms(pct(acks, q)) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}
        | {"max": ms(max(acks, default=None))},
        "voted_before_close": extra["voted_before_close"],
        "tallies_per_socket": round(sum(tallies) / len(tallies), 2) if tallies else None,
        "tallies_per_socket_per_second": round(sum(tallies) / sum(windows), 2) if windows else None,
        "tallies_peak_per_socket_per_second": max((peak_per_second(v.tallies) for v in joined), default=0),
        "decided_sockets": len(decided),
        "decided_ms_after_close": {
            "p50": ms(pct(delays, 50)),
            "p99": ms(pct(delays, 99)),
            "max": ms(max(delays, default=None)),
        },
        # Where the delay goes: the decision itself (server's decided_at), then delivery to the sockets.
        "server_decided_ms_after_close": ms(decided_at - closes_at) if decided_at else None,
        "delivered_ms_after_decided": {
            "p50": ms(pct([d - (decided_at - closes_at) for d in delays], 50)) if decided_at else None,
            "max": ms(max(delays) - (decided_at - closes_at)) if decided_at and delays else None,
        },
        "decided_option": decided[0].decision.get("option") if decided else None,
        "poll_status": counted.get("status"),
        "counted": counts,
        "votes_counted": sum(counts.values()),
        "voters_expected": sum(expected.values()),
        "counts_expected": dict(expected),
        "counts_exact": counts == dict(expected) and counted.get("status") == "decided",
        "sockets_dropped": sum(closes.values()),
        "dropped_how": dict(closes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the platform's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--votes", type=int, default=1, help="votes per viewer (later ones change the option)")
    parser.add_argument(
        "--vote-window", type=float, default=0, help="spread the first votes evenly over this many seconds (0: a burst)"
    )
    parser.add_argument("--poll-seconds", type=int, default=0, help="poll duration (default: 10 s + 1 s per 100 votes)")
    parser.add_argument("--connect-concurrency", type=int, default=200, help="sockets connecting at once")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for a join or a vote's answer")
    parser.add_argument(
        "--decision-timeout", type=float, default=30, help="seconds after closes_at to wait for poll.decided"
    )
    parser.add_argument("--sync", action="store_true", help="pause at each phase until a line arrives on stdin")
    args = parser.parse_args(argv)
    limit = raise_open_files()
    if limit < args.viewers + 100:
        log(f"warning: only {limit} open files allowed (ulimit -n) for {args.viewers} sockets")
    # No garbage collection in the client: with 10,000 sockets a full collection stalls it for a second,
    # which the figures would blame on the server. Its garbage cycles wait until it exits (minutes).
    gc.disable()
    # uvloop when it is there: the bench measures the server, and the client shares its cores
    result = (uvloop.run if uvloop else asyncio.run)(run(args))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
