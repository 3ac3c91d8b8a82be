"""Live counts in Redis, for display only (decisions count the durable votes).

One hash per poll, `{prefix}:tally:<poll>` = {option id: votes}: reading it costs
the same for ten votes or a hundred thousand. A committed vote adjusts it with
one script call (+1 new option, -1 replaced option) and marks the poll dirty;
the flusher (voting/flusher.py) turns dirty marks into at most a few `tally`
broadcasts per second per poll. If the hash is missing (Redis restarted, key
expired) increments are skipped and the next read rebuilds it from the votes.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db.models import Count

from voting.models import Poll, Vote

KEY_TTL_SECONDS = 2 * 24 * 3600
FLUSH_INTERVAL_MS = 250  # at most one tally broadcast per poll per interval, across all processes

_RECORD = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[1] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
  if ARGV[2] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[2], 1) end
end
redis.call('SADD', KEYS[2], ARGV[3])
"""

_client: redis.Redis | None = None


def client() -> redis.Redis:
    global _client
    if _client is None:
        # Short timeouts: the live tally is display-only, and a hung Redis must cost a vote
        # path or a flusher tick at most REDIS_SOCKET_TIMEOUT, never hang it.
        _client = redis.Redis.from_url(
            settings.REDIS_URL,
            decode_responses=True,
            health_check_interval=30,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
        )
    return _client


def prefix() -> str:
    """The key prefix of this deployment's live state in Redis (the channel layer's, by default)."""
    return _prefix()


def _prefix() -> str:
    return settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "esp")


def counts_key(poll_id: int) -> str:
    return f"{_prefix()}:tally:{poll_id}"


def dirty_key() -> str:
    return f"{_prefix()}:tally:dirty"


def gate_key(poll_id: int) -> str:
    return f"{_prefix()}:tally:{poll_id}:gate"


def dirty_member(*, poll_id: int, group: str, hidden: bool) -> str:
    return f"{poll_id}|{group}|{int(hidden)}"


def dirty_parse(member: str) -> tuple[int, str, bool]:
    poll_id, group, hidden = member.split("|")
    return int(poll_id), group, hidden == "1"


def tally_record(*, poll: Poll, group: str, old_option: int | None, new_option: int | None) -> None:
    """Apply one committed vote change to the live counts and mark the poll dirty."""
    member = dirty_member(poll_id=poll.id, group=group, hidden=poll.hide_results)
    client().eval(
        _RECORD,
        2,
        counts_key(poll.id),
        dirty_key(),
        "" if old_option is None else str(old_option),
        "" if new_option is None else str(new_option),
        member,
    )


def tally_record_many(changes: list[tuple[Poll, str, int | None, int | None]]) -> None:
    """(poll, group, old option, new option) changes of one committed batch, in one round trip."""
    with client().pipeline(transaction=False) as pipe:
        for poll, group, old_option, new_option in changes:
            member = dirty_member(poll_id=poll.id, group=group, hidden=poll.hide_results)
            pipe.eval(
                _RECORD,
                2,
                counts_key(poll.id),
                dirty_key(),
                "" if old_option is None else str(old_option),
                "" if new_option is None else str(new_option),
                member,
            )
        pipe.execute()


def _db_counts(poll_id: int, option_ids: list[int]) -> dict[str, int]:
    counted = dict(Vote.objects.filter(poll_id=poll_id).values_list("branch_id").annotate(n=Count("id")))
    return {str(option): counted.get(option, 0) for option in option_ids}


def tally_counts(*, poll_id: int, option_ids: list[int]) -> dict[str, int]:
    """Current live counts per option id, rebuilt from the votes only when the hash is missing."""
    r = client()
    raw = r.hgetall(counts_key(poll_id))
    if not raw:
        counts = _db_counts(poll_id, option_ids)
        with r.pipeline() as pipe:  # MULTI: fill only if still missing, so no concurrent increment is overwritten
            key = counts_key(poll_id)
            pipe.hsetnx(key, "_", "1")
            for option, n in counts.items():
                pipe.hsetnx(key, option, n)
            pipe.expire(key, KEY_TTL_SECONDS)
            pipe.hgetall(key)
            raw = pipe.execute()[-1]
    return {str(option): max(0, int(raw.get(str(option), 0))) for option in option_ids}


def tally_init(*, poll_id: int, option_ids: list[int]) -> None:
    """Create the zeroed hash when a poll opens (increments are only applied to an existing hash)."""
    r = client()
    key = counts_key(poll_id)
    with r.pipeline() as pipe:
        pipe.hsetnx(key, "_", "1")
        for option in option_ids:
            pipe.hsetnx(key, str(option), 0)
        pipe.expire(key, KEY_TTL_SECONDS)
        pipe.execute()


def flush_claim(*, limit: int = 500, interval_ms=None) -> list[tuple[int, str, bool]]:
    """Take the dirty polls this process may broadcast now (each gated to one send per interval:
    FLUSH_INTERVAL_MS, or what `interval_ms(group)` says for a poll's group)."""
    r = client()
    members = r.spop(dirty_key(), limit) or []
    claimed = []
    for member in members:
        poll_id, group, hidden = dirty_parse(member)
        gate_ms = FLUSH_INTERVAL_MS if interval_ms is None else interval_ms(group)
        if r.set(gate_key(poll_id), "1", nx=True, px=gate_ms):
            claimed.append((poll_id, group, hidden))
        else:
            r.sadd(dirty_key(), member)  # sent less than an interval ago: keep it for a later tick
    return claimed
