"""The live message: small, routed by company (and by person for memberships and notifications), and never trusted
blindly."""

from __future__ import annotations

import uuid

from domain.live.messages import LiveMessage, company_channel, user_channel


def test_a_message_survives_the_trip_through_a_channel() -> None:
    message = LiveMessage(id=uuid.uuid4(), type="task.created", company_id=uuid.uuid4(), subject_id=uuid.uuid4())

    assert LiveMessage.decode(message.encode()) == message
    assert message.channels() == [company_channel(message.company_id)]


def test_a_membership_message_also_reaches_the_member() -> None:
    member = uuid.uuid4()
    message = LiveMessage(id=uuid.uuid4(), type="membership.removed", company_id=uuid.uuid4(), subject_id=member)

    assert message.channels() == [company_channel(message.company_id), user_channel(member)]


def test_a_notification_message_reaches_its_recipient_alone() -> None:
    notification, company, recipient = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    message = LiveMessage.notification_created(notification, company, recipient)

    assert LiveMessage.decode(message.encode()) == message
    assert (message.area, message.action, message.subject_id) == ("notification", "created", notification)
    assert message.channels() == [user_channel(recipient)]


def test_a_message_without_a_recipient_field_still_reads() -> None:
    company = uuid.uuid4()
    data = f'{{"id": "{uuid.uuid4()}", "type": "task.created", "companyId": "{company}", "subjectId": null}}'

    message = LiveMessage.decode(data)

    assert message is not None
    assert message.user_id is None
    assert message.channels() == [company_channel(company)]


def test_anything_malformed_is_no_message() -> None:
    assert LiveMessage.decode(b"not json") is None
    assert LiveMessage.decode(b'{"id": "nope"}') is None
    assert LiveMessage.decode(b"[1, 2]") is None
