"""Websocket errors in the socket's language (API.md 1.1): the hello's `lang`, else the socket's
Accept-Language; the error `code` never changes."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from config.websocket import websocket_application
from tests.config.test_catalogues import compiled  # noqa: F401 (the fixture: .mo files built)
from tests.voting.wsclient import WebsocketCommunicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("compiled")]
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def exchange(screening_id, frames, *, headers=()) -> list[dict]:
    async def scenario():
        ws = WebsocketCommunicator(websocket_application, f"/ws/screenings/{screening_id}/", headers=[ORIGIN, *headers])
        connected, _ = await ws.connect()
        assert connected
        answers = []
        for frame in frames:
            await ws.send_json_to(frame)
            answers.append(await ws.receive_json_from())
        await ws.disconnect()
        return answers

    return async_to_sync(scenario)()


def test_an_error_after_a_korean_hello_is_in_korean_with_the_same_code(live_screening, make_tickets):
    code = make_tickets(1)[0].code
    hello = {"type": "hello", "ticket": code, "lang": "ko"}
    state, error = exchange(live_screening.id, [hello, hello])
    assert state["type"] == "state"
    assert error == {"type": "error", "code": "invalid", "message": "이미 hello를 보냈습니다."}
    _, english = exchange(live_screening.id, [{"type": "hello", "ticket": code}] * 2)
    assert english == {"type": "error", "code": "invalid", "message": "Already said hello."}


def test_a_refused_hello_speaks_the_sockets_accept_language(live_screening):
    (error,) = exchange(
        live_screening.id, [{"type": "hello", "ticket": "not-a-ticket"}], headers=[(b"accept-language", b"zh-TW")]
    )
    assert error == {"type": "error", "code": "forbidden", "message": "這張票券無法加入此場次。"}
