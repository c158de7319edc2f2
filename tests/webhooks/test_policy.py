"""The pure parts: the retry schedule, Retry-After, when an endpoint is disabled, and the payload's ids."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

from db.models import OutboxEvent
from domain.webhooks.payload import body_of, webhook_payload
from domain.webhooks.policy import RETRY_SCHEDULE, DeliveryPolicy, honours_retry_after, parse_retry_after
from domain.webhooks.signing import new_secret

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def test_the_schedule_spans_about_three_days() -> None:
    total = sum(RETRY_SCHEDULE, timedelta())

    assert timedelta(days=2, hours=20) <= total <= timedelta(days=3, hours=2)
    assert list(RETRY_SCHEDULE) == sorted(RETRY_SCHEDULE)


def test_the_schedule_runs_out() -> None:
    policy = DeliveryPolicy()

    assert policy.retry_delay(1) == timedelta(seconds=5)
    assert policy.retry_delay(len(RETRY_SCHEDULE)) == RETRY_SCHEDULE[-1]
    assert policy.retry_delay(len(RETRY_SCHEDULE) + 1) is None


def test_a_longer_retry_after_wins_up_to_a_day() -> None:
    policy = DeliveryPolicy()

    assert policy.retry_delay(1, timedelta(minutes=10)) == timedelta(minutes=10)
    assert policy.retry_delay(2, timedelta(seconds=1)) == timedelta(minutes=5)
    assert policy.retry_delay(1, timedelta(days=30)) == timedelta(days=1)


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after("Mon, 07 Jan 2030 09:30:00 GMT", NOW) == timedelta(minutes=30)
    assert parse_retry_after("Mon, 07 Jan 2030 08:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_only_429_and_5xx_answers_are_asked_when_to_come_back() -> None:
    assert [honours_retry_after(status) for status in (429, 500, 503, 599, 400, 404, 410, None)] == [
        True, True, True, True, False, False, False, False,
    ]  # fmt: skip


def test_a_streak_disables_only_when_long_and_lasting() -> None:
    policy = DeliveryPolicy()
    since = NOW - timedelta(hours=24)

    assert policy.should_disable(15, since, NOW)
    assert not policy.should_disable(14, since, NOW)
    assert not policy.should_disable(50, NOW - timedelta(hours=23), NOW)
    assert not policy.should_disable(50, None, NOW)


def test_secrets_follow_the_spec() -> None:
    secret = new_secret()

    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 64


def test_the_payload_names_objects_by_their_graphql_global_ids() -> None:
    task_id, company_id, user_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    event = OutboxEvent(
        company_id=company_id,
        type="task.updated",
        created_at=NOW,
        payload={
            "task": {"id": str(task_id), "company_id": str(company_id), "assignee_id": str(user_id),
                     "project_id": None, "due_at": "2030-01-08T00:00:00+00:00", "title": "T"},
            "changed": ["assignee_id", "due_at"],
        },
    )  # fmt: skip

    payload = webhook_payload(event)

    def gid(type_name: str, value: uuid.UUID) -> str:
        return base64.b64encode(f"{type_name}:{value}".encode()).decode()

    assert payload == {
        "type": "task.updated",
        "timestamp": "2030-01-07T09:00:00Z",
        "data": {
            "task": {"id": gid("Task", task_id), "companyId": gid("Company", company_id),
                     "assigneeId": gid("User", user_id), "projectId": None, "dueAt": "2030-01-08T00:00:00+00:00",
                     "title": "T"},
            "changed": ["assigneeId", "dueAt"],
        },
    }  # fmt: skip
    assert body_of(payload) == body_of(webhook_payload(event)), "the same bytes on every attempt"
