"""Operations on polls, votes, decisions and release rounds; each one transaction.

polls.py (opening, closing early) · votes.py (casting, withdrawing) · decisions.py
(deciding exactly once, the overdue sweeper) · rounds.py (release rounds). Import the
module you need: this package re-exports nothing, so no module imports back through it.
"""
