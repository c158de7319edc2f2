"""The small message a committed event becomes for live subscribers, and the channels it travels on.

A message names the event and its subject and nothing more: each subscriber loads the subject again, as
itself, under the row-level policies, so a message reaching the wrong process or person reveals nothing.
Workers publish it and the API's subscriptions read it, in one process or across many through Redis.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

CHANNEL_PREFIX = "rhythm:live:"


def company_channel(company_id: uuid.UUID) -> str:
    """Every event of one company."""
    return f"{CHANNEL_PREFIX}company:{company_id}"


def user_channel(user_id: uuid.UUID) -> str:
    """Changes to one person's memberships, so their subscriptions follow the companies they join or leave."""
    return f"{CHANNEL_PREFIX}user:{user_id}"


@dataclass(frozen=True, slots=True)
class LiveMessage:
    id: uuid.UUID
    type: str
    company_id: uuid.UUID
    subject_id: uuid.UUID | None

    @property
    def area(self) -> str:
        """`task` for `task.created`."""
        return self.type.partition(".")[0]

    @property
    def action(self) -> str:
        """`created` for `task.created`."""
        return self.type.partition(".")[2]

    def channels(self) -> list[str]:
        channels = [company_channel(self.company_id)]
        if self.area == "membership" and self.subject_id is not None:
            channels.append(user_channel(self.subject_id))
        return channels

    def encode(self) -> bytes:
        subject = None if self.subject_id is None else str(self.subject_id)
        body = {"id": str(self.id), "type": self.type, "companyId": str(self.company_id), "subjectId": subject}
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes | str) -> LiveMessage | None:
        """The message, or None for anything malformed (a channel is no place to trust)."""
        try:
            body = json.loads(data)
            subject = body["subjectId"]
            return cls(
                id=uuid.UUID(body["id"]),
                type=str(body["type"]),
                company_id=uuid.UUID(body["companyId"]),
                subject_id=None if subject is None else uuid.UUID(subject),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
