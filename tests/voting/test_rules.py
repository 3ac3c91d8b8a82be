from hypothesis import given
from hypothesis import strategies as st

from voting.rules import decision_pick


def test_most_votes_wins():
    assert decision_pick(counts={1: 2, 2: 5, 3: 0}, default_option=1, quorum=None) == (2, "majority")


def test_tie_goes_to_the_default_branch_when_it_is_tied():
    assert decision_pick(counts={1: 3, 2: 3}, default_option=2, quorum=None) == (2, "tie_break")


def test_tie_without_a_default_goes_to_the_lowest_tied_id():
    assert decision_pick(counts={4: 3, 9: 3, 2: 1}, default_option=None, quorum=None) == (4, "tie_break")
    # The default is not among the leaders: the lowest tied id wins.
    assert decision_pick(counts={4: 3, 9: 3, 2: 1}, default_option=2, quorum=None) == (4, "tie_break")


def test_no_votes_falls_to_default_else_lowest_id():
    assert decision_pick(counts={5: 0, 7: 0}, default_option=7, quorum=None) == (7, "no_votes")
    assert decision_pick(counts={5: 0, 7: 0}, default_option=None, quorum=None) == (5, "no_votes")


def test_quorum_not_met_falls_to_default():
    assert decision_pick(counts={5: 0, 7: 2}, default_option=5, quorum=3) == (5, "no_quorum")
    assert decision_pick(counts={5: 0, 7: 3}, default_option=5, quorum=3) == (7, "majority")


@given(st.dictionaries(st.integers(1, 50), st.integers(0, 20), min_size=2, max_size=6), st.booleans())
def test_the_winner_always_has_the_most_votes_unless_nobody_voted(counts, with_default):
    default = min(counts) if with_default else None
    winner, reason = decision_pick(counts=counts, default_option=default, quorum=None)
    assert winner in counts
    if sum(counts.values()):
        assert counts[winner] == max(counts.values())
        assert reason in {"majority", "tie_break"}
    else:
        assert reason == "no_votes"
