"""A person's account requests are events for Rhythm's own email job: a webhook endpoint of their personal company
that takes every event type never hears that someone asked for a password reset or a verification link."""

from __future__ import annotations

from tests.accounts.email_documents import REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, link_token, mutate
from tests.factories import create_task, sign_up
from tests.graphql import GraphQL
from tests.notifications.mailbox import Mailbox
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Receiver


async def test_account_events_never_reach_webhooks(graphql: GraphQL, receiver: Receiver, mailbox: Mailbox) -> None:
    ada = await sign_up(graphql, name="Ada Hooks")
    await create_endpoint(graphql, ada, company_id=ada.personal_company_id, url=receiver.url)

    await mutate(graphql, REQUEST_PASSWORD_RESET, "requestPasswordReset", email=ada.email)
    await mutate(graphql, REQUEST_EMAIL_VERIFICATION, "requestEmailVerification", caller=ada)
    await link_token(mailbox, ada.email, "reset_password")
    await link_token(mailbox, ada.email, "verify_email", count=2)
    # A later event of the same company: once it is in, deliveries of the account events would be too.
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="After the requests")
    await until(lambda: bool(receiver.for_event("task.created")), what="the task.created delivery")

    assert [r for r in receiver.received if b'"type":"account.' in r.body] == []
    assert len(receiver.received) == 1
