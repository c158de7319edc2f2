"""An attempt cap that counts crashes too.

Dramatiq's retry count lives in the message and grows only when an actor raises; a worker killed mid-job gives
the message back unchanged. Counting starts instead, in Redis, makes a message that keeps killing its worker
end in the dead-letter queue rather than loop forever.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

import dramatiq
from dramatiq.middleware import Middleware, SkipMessage

DAY_SECONDS = 86_400


class StartCounter(Protocol):
    def increment(self, message_id: str) -> int: ...

    def reset(self, message_id: str) -> None: ...


class RedisCounter:
    def __init__(self, client: Any) -> None:
        self._client = client

    def increment(self, message_id: str) -> int:
        key = f"rhythm:starts:{message_id}"
        pipeline = self._client.pipeline()
        pipeline.incr(key)
        pipeline.expire(key, 7 * DAY_SECONDS)
        count, _ = pipeline.execute()
        return int(count)

    def reset(self, message_id: str) -> None:
        self._client.delete(f"rhythm:starts:{message_id}")


class MemoryCounter:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def increment(self, message_id: str) -> int:
        self._counts[message_id] += 1
        return self._counts[message_id]

    def reset(self, message_id: str) -> None:
        self._counts.pop(message_id, None)


class AttemptCap(Middleware):
    def __init__(self, counter: StartCounter, cap: int) -> None:
        self.counter = counter
        self.cap = cap

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        starts = self.counter.increment(message.message_id)
        message.options["starts"] = starts
        if starts > self.cap:
            # Failed and skipped: the broker rejects it into the dead-letter queue.
            reason = f"Started {starts} times, more than the cap of {self.cap} (a run that never finished counts)."
            message.options["gave_up"] = reason
            message.fail()
            raise SkipMessage(reason)

    def after_process_message(
        self, broker: dramatiq.Broker, message: dramatiq.MessageProxy, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is None:
            self.counter.reset(message.message_id)
