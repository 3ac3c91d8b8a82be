"""Operations on polls and votes (each one transaction); one mechanism for every poll scope."""

from voting.services.polls import poll_close_early, poll_decide, poll_group, poll_open, poll_options
from voting.services.votes import vote_cast, votes_cast_batch

__all__ = [
    "poll_close_early",
    "poll_decide",
    "poll_group",
    "poll_open",
    "poll_options",
    "vote_cast",
    "votes_cast_batch",
]
