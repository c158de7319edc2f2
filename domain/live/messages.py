"""The small message a committed event (or a committed notification) becomes for live subscribers, and the
channels it travels on.

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
    """One person's: changes to their memberships, so their subscriptions follow the companies they join or leave,
    and what is meant for them alone (their notifications, changes to their schedule)."""
    return f"{CHANNEL_PREFIX}user:{user_id}"


NOTIFICATION_CREATED = "notification.created"
#: Areas whose events concern one person's own things (their schedule), the event's subject: they travel on that
#: person's channel alone, never on their companies'.
PERSONAL_AREAS = frozenset({"schedule"})


@dataclass(frozen=True, slots=True)
class LiveMessage:
    id: uuid.UUID
    type: str
    company_id: uuid.UUID
    subject_id: uuid.UUID | None
    #: The one person it is for, who alone hears it (on their own channel); None: the company's subscribers.
    user_id: uuid.UUID | None = None

    @classmethod
    def notification_created(cls, notification_id: uuid.UUID, company_id: uuid.UUID, user_id: uuid.UUID) -> LiveMessage:
        """A committed new notification, for its recipient alone. Its id is the message's: one notification, one
        message, however often it is told."""
        return cls(
            id=notification_id,
            type=NOTIFICATION_CREATED,
            company_id=company_id,
            subject_id=notification_id,
            user_id=user_id,
        )

    @classmethod
    def of_event(
        cls, event_id: uuid.UUID, event_type: str, company_id: uuid.UUID, subject_id: uuid.UUID | None
    ) -> LiveMessage | None:
        """The message of a committed outbox event; None for a personal one without its person."""
        if event_type.partition(".")[0] not in PERSONAL_AREAS:
            return cls(id=event_id, type=event_type, company_id=company_id, subject_id=subject_id)
        if subject_id is None:
            return None
        return cls(id=event_id, type=event_type, company_id=company_id, subject_id=subject_id, user_id=subject_id)

    @property
    def area(self) -> str:
        """`task` for `task.created`."""
        return self.type.partition(".")[0]

    @property
    def action(self) -> str:
        """`created` for `task.created`."""
        return self.type.partition(".")[2]

    def channels(self) -> list[str]:
        if self.user_id is not None:
            return [user_channel(self.user_id)]
        channels = [company_channel(self.company_id)]
        if self.area == "membership" and self.subject_id is not None:
            channels.append(user_channel(self.subject_id))
        return channels

    def encode(self) -> bytes:
        body = {
            "id": str(self.id),
            "type": self.type,
            "companyId": str(self.company_id),
            "subjectId": _text(self.subject_id),
            "userId": _text(self.user_id),
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes | str) -> LiveMessage | None:
        """The message, or None for anything malformed (a channel is no place to trust)."""
        try:
            body = json.loads(data)
            return cls(
                id=uuid.UUID(body["id"]),
                type=str(body["type"]),
                company_id=uuid.UUID(body["companyId"]),
                subject_id=_uuid(body["subjectId"]),
                user_id=_uuid(body.get("userId")),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _uuid(value: object) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))
