"""Polls, votes and decisions (voting/models/polls.py)."""

from .polls import Decision, Poll, Vote

__all__ = ["Decision", "Poll", "Vote"]
