"""A loopback HTTP receiver that records the requests a fake provider posts to it (push notifications)."""

from __future__ import annotations

import threading

from tests.calendar_sync.asgi import Request, Response, Router
from tests.loopback import Loopback, ServerThread


class Receiver(Loopback):
    def __init__(self) -> None:
        self.received: list[Request] = []
        self.arrived = threading.Condition()
        router = Router()
        router.route("POST", "/calendar-sync/push/google")(self._take)
        router.route("POST", "/calendar-sync/push/microsoft")(self._take)
        router.route("POST", "/calendar-sync/lifecycle/microsoft")(self._take)
        self.server = ServerThread(router)

    def _take(self, request: Request) -> Response:
        if "validationToken" in request.query:
            return Response(200, text=request.query["validationToken"])
        with self.arrived:
            self.received.append(request)
            self.arrived.notify_all()
        return Response(200)

    def wait_for(self, count: int, seconds: float = 30) -> list[Request]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=seconds)
            return list(self.received)
