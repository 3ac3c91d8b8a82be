"""An in-process websocket test client (channels.testing needs daphne, which this project does not use)."""

from __future__ import annotations

import json

from asgiref.testing import ApplicationCommunicator


class WebsocketCommunicator(ApplicationCommunicator):
    def __init__(self, application, path: str, headers: list | None = None, client: tuple[str, int] | None = None):
        self.scope = {
            "type": "websocket",
            "path": path,
            "query_string": b"",
            "headers": headers or [],
            "subprotocols": [],
            "scheme": "ws",
            "client": client or ("127.0.0.1", 50000),
        }
        super().__init__(application, self.scope)

    async def connect(self, timeout: float = 5) -> tuple[bool, object]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, response.get("subprotocol")

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = {"type": "websocket.receive"}
        frame.update({"text": text_data} if text_data is not None else {"bytes": bytes_data})
        await self.send_input(frame)

    async def send_json_to(self, data) -> None:
        await self.send_to(text_data=json.dumps(data))

    async def receive_close(self, timeout: float = 5) -> int:
        """The close code the server sent next (skipping other messages)."""
        while True:
            response = await self.receive_output(timeout)
            if response["type"] == "websocket.close":
                return response.get("code", 1000)

    async def receive_json_from(self, timeout: float = 5) -> dict:
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
