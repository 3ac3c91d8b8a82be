"""The websocket's group commit (voting/live/batcher.py): one batch, many sockets, each answered alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone, translation

from config.errors import DomainError
from tests.config.test_catalogues import compiled  # noqa: F401 (the fixture: .mo files built)
from voting.live.batcher import batcher

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("compiled")]


def test_one_batch_answers_each_socket_in_its_own_language(open_poll, story, make_tickets):
    """The batch runs in the context of whichever socket started it; a refused vote's message is
    still rendered in the language of the socket it answers."""
    english, korean = make_tickets(2)

    async def vote(language: str, **ballot) -> tuple[str, str]:
        translation.activate(language)  # as each socket does, in its own task (consumers/base.py)
        try:
            await batcher().cast(poll_id=open_poll.id, **ballot)
        except DomainError as error:
            return error.code, str(error.message)
        raise AssertionError("the vote was accepted")

    async def together():
        return await asyncio.gather(  # the first starts the batch; the second joins it
            vote("en", ticket_code=english.code, option_id=story.to_ending.id, received_at=timezone.now()),
            vote(
                "ko",
                ticket_code=korean.code,
                option_id=story.to_left.id,
                received_at=open_poll.closes_at + timedelta(seconds=1),
            ),
        )

    (en_code, en_message), (ko_code, ko_message) = async_to_sync(together)()

    assert (en_code, en_message) == ("invalid", f"{story.to_ending.id} is not an option of poll {open_poll.id}.")
    with translation.override("ko"):
        closed_in_korean = translation.gettext("This poll is closed.")
    assert closed_in_korean != "This poll is closed."
    assert (ko_code, ko_message) == ("poll_closed", closed_in_korean)
