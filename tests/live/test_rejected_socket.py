"""A socket refused at `connection_init` is closed once, however many messages the client sent behind it."""

from __future__ import annotations

import json

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.live.servers import Server
from tests.live.sockets import PROTOCOL, bearer
from tests.waiting import PATIENCE_SECONDS

SUBSCRIBE = {"type": "subscribe", "payload": {"query": "subscription { taskEvents { type } }"}}
# Enough tries that messages queued behind the refused `connection_init` reach the server on any machine.
TRIES = 25


async def _refused_with_messages_behind(url: str) -> int | None:
    async with connect(url, subprotocols=[PROTOCOL], open_timeout=PATIENCE_SECONDS) as connection:
        # All at once, as an eager client does: the refusal races the subscribes already on the wire.
        await connection.send(json.dumps({"type": "connection_init", "payload": bearer("not-a-token")}))
        for index in range(5):
            try:
                await connection.send(json.dumps({**SUBSCRIBE, "id": str(index)}))
            except ConnectionClosed:
                break
        try:
            while True:
                await connection.recv()
        except ConnectionClosed:
            pass
        return connection.close_code


async def test_a_refused_socket_with_subscribes_behind_its_init_is_closed_once_with_4403(server: Server) -> None:
    codes = {await _refused_with_messages_behind(server.ws_url) for _ in range(TRIES)}

    assert codes == {4403}
    assert "Unexpected ASGI message" not in server.running.output()
    assert "after sending 'websocket.close'" not in server.running.output()
