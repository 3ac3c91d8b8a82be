import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import DecisionFactory, PollFactory, TicketFactory, VoteFactory
from tests.voting.conftest import tickets_for
from voting.ballots import ballots_count, ballots_digest
from voting.models import Vote
from voting.recount import recount_export, recount_poll

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "verifiable-results.md"


@pytest.fixture
def decided(world, decide_poll):
    """A live poll at Aurora: 3 votes for Forest, 1 for Town, decided by majority."""
    poll = PollFactory(screening=world.screenings[0], episode=world.start)
    for ticket, branch in zip(tickets_for(world.screenings[0], 4), [world.left] * 3 + [world.right]):
        VoteFactory(poll=poll, ticket=ticket, branch=branch)
    decide_poll(poll)
    return poll


@pytest.fixture
def export(decided, api_client, tmp_path) -> Path:
    """The result exactly as anyone downloads it."""
    path = tmp_path / "result.json"
    path.write_bytes(api_client.get(f"/polls/{decided.id}/result.json").content)
    return path


def _recount(*args):
    out = io.StringIO()
    call_command("poll_recount", *args, stdout=out)
    return out.getvalue()


def test_recount_from_the_database_matches(decided, world):
    output = _recount(str(decided.id))

    assert "OK" in output and f'"{world.left.id}": 3' in output


def test_recount_from_the_json_export_alone_matches(export, decided):
    data = json.loads(export.read_text())

    output = _recount("--json", str(export))

    assert "OK" in output and data["digest"] in output and data["poll"] == decided.id


def test_altering_a_ballot_in_the_export_fails_the_digest(export, world):
    data = json.loads(export.read_text())
    data["ballots"][0]["option"] = world.right.id if data["ballots"][0]["option"] == world.left.id else world.left.id
    data["counts"] = {str(o["id"]): sum(b["option"] == o["id"] for b in data["ballots"]) for o in data["options"]}
    export.write_text(json.dumps(data))  # even with the counts "fixed" to match, the digest gives it away

    with pytest.raises(CommandError, match="digest"):
        _recount("--json", str(export))


def test_altering_a_count_in_the_export_fails(export, world):
    data = json.loads(export.read_text())
    data["counts"][str(world.right.id)] += 1
    export.write_text(json.dumps(data))

    with pytest.raises(CommandError, match="counts"):
        _recount("--json", str(export))


def test_tampering_with_a_vote_after_the_decision_is_detected(decided, world):
    tampered = decided.votes.filter(branch=world.left).first()
    Vote.objects.filter(pk=tampered.pk).update(branch=world.right)

    with pytest.raises(CommandError, match="MISMATCH.*counts.*digest"):
        _recount(str(decided.id))


def test_a_ballot_slipped_in_after_the_decision_is_detected(decided, world):
    VoteFactory(poll=decided, ticket=TicketFactory(order__screening=world.screenings[0]), branch=world.right)

    with pytest.raises(CommandError, match="differ"):
        _recount(str(decided.id))


def test_a_forged_receipt_is_detected(decided):
    Vote.objects.filter(pk=decided.votes.first().pk).update(receipt="f" * 64)

    with pytest.raises(CommandError, match="receipt does not match"):
        _recount(str(decided.id))


def test_recount_needs_a_decided_poll_and_one_source(world, tmp_path):
    with pytest.raises(CommandError, match="not decided"):
        _recount(str(PollFactory(screening=world.screenings[1], episode=world.start).id))
    with pytest.raises(CommandError, match="No poll"):
        _recount("999999")
    with pytest.raises(CommandError, match="either"):
        _recount()
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        _recount("--json", str(tmp_path / "bad.json"))


def test_the_command_recounts_an_export_without_any_database(export, world):
    data = json.loads(export.read_text())
    data["ballots"][0]["receipt"] = "0" * 64
    export.write_text(json.dumps(data))
    env = os.environ | {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere"}  # unreachable on purpose
    manage = Path(__file__).resolve().parents[2] / "manage.py"

    run = subprocess.run(
        [sys.executable, str(manage), "poll_recount", "--json", str(export)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )

    assert run.returncode == 1, run.stderr
    assert "MISMATCH" in run.stderr and "digest" in run.stderr and "counts" not in run.stderr.split("MISMATCH")[1]


def _doc_snippet() -> str:
    match = re.search(r"## Recount it yourself.*?```python\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/verifiable-results.md lost its recount script"
    return match.group(1)


def test_the_documented_stdlib_script_recounts_a_real_export(export, tmp_path, world):
    script = tmp_path / "recount.py"
    script.write_text(_doc_snippet())
    assert len(_doc_snippet().splitlines()) <= 12

    good = subprocess.run([sys.executable, "-I", str(script), str(export)], capture_output=True, text=True)
    data = json.loads(export.read_text())
    data["ballots"][-1]["option"] = world.left.id if data["ballots"][-1]["option"] == world.right.id else world.right.id
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data))
    bad = subprocess.run([sys.executable, "-I", str(script), str(tampered)], capture_output=True, text=True)

    assert good.returncode == 0 and "MATCH" in good.stdout and data["digest"] in good.stdout
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout


ballot_lists = st.lists(
    st.tuples(st.text("0123456789abcdef", min_size=64, max_size=64), st.sampled_from([11, 12, 13])),
    unique_by=lambda ballot: ballot[0],
    max_size=30,
)


def _export(poll_id, ballots):
    return {
        "poll": poll_id,
        "options": [{"id": 11}, {"id": 12}, {"id": 13}],
        "counts": ballots_count(options=[11, 12, 13], ballots=ballots),
        "ballots": [{"receipt": r, "option": o} for r, o in ballots],
        "digest": ballots_digest(poll_id=poll_id, ballots=ballots),
    }


@given(ballots=ballot_lists, poll_id=st.integers(1, 10**6))
def test_any_honest_export_recounts_clean(ballots, poll_id):
    assert recount_export(_export(poll_id, ballots)).ok


@given(ballots=ballot_lists.filter(bool), data=st.data())
def test_any_changed_ballot_is_caught_even_with_matching_counts(ballots, data):
    export = _export(7, ballots)
    victim = data.draw(st.integers(0, len(ballots) - 1))
    ballot = export["ballots"][victim]
    ballot["option"] = data.draw(st.sampled_from([o for o in (11, 12, 13) if o != ballot["option"]]))
    changed = [(b["receipt"], b["option"]) for b in export["ballots"]]
    export["counts"] = ballots_count(options=[11, 12, 13], ballots=changed)

    assert any("digest" in problem for problem in recount_export(export).problems)


def test_a_factory_built_empty_decision_recounts_clean():
    decision = DecisionFactory()

    assert recount_poll(poll=decision.poll).ok
    assert "OK" in _recount(str(decision.poll_id))


@pytest.mark.postgresql
@pytest.mark.parametrize("votes", [0, 1, 7])
def test_the_digest_counted_in_postgresql_is_the_documented_one(world, decide_poll, votes):
    """On PostgreSQL the decision counts and concatenates the ballots in SQL and hashes them once
    (voting/services/decisions.py): its counts and digest must be voting/ballots.py's, and recount."""
    poll = PollFactory(screening=world.screenings[0], episode=world.start)
    branches = [world.left, world.right, world.right, world.left, world.left, world.right, world.left]
    made = [
        VoteFactory(poll=poll, ticket=t, branch=b)
        for t, b in zip(tickets_for(world.screenings[0], votes), branches[:votes], strict=True)
    ]
    ballots = [(v.receipt, v.branch_id) for v in made]

    decision = decide_poll(poll)

    assert decision.digest == ballots_digest(poll_id=poll.id, ballots=ballots)
    assert decision.counts == ballots_count(options=[int(k) for k in decision.counts], ballots=ballots)
    assert decision.total_votes == votes
    assert recount_poll(poll=poll).ok
