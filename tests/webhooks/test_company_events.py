"""A renamed company reaches the endpoints subscribed to `company.updated`; a refused rename sends nothing."""

from __future__ import annotations

from standardwebhooks import Webhook

from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Receiver

RENAME = """
mutation($input: UpdateCompanyInput!) {
  updateCompany(input: $input) { __typename ... on Company { name } ... on Error { message } }
}"""


async def test_a_rename_is_posted_as_company_updated_and_a_refused_one_is_not(
    graphql: GraphQL, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Rename")
    bob = await sign_up(graphql, name="Bob Rename")
    company = await create_company(graphql, ada, name="Old Name Ltd")
    await invite(graphql, ada, company_id=company, member=bob)
    _, secret = await create_endpoint(
        graphql, ada, company_id=company, url=receiver.url, event_types=["COMPANY_UPDATED", "TASK_CREATED"]
    )

    refused = await graphql(RENAME, {"input": {"id": company, "name": "Bob's Ltd"}}, caller=bob)
    renamed = await graphql(RENAME, {"input": {"id": company, "name": "  New Name Ltd "}}, caller=ada)
    await until(lambda: bool(receiver.for_event("company.updated")), what="the company.updated delivery")
    # A later event of the same company: once it is in, a delivery of the refused rename would be too.
    await create_task(graphql, ada, company_id=company, title="After the rename")
    await until(lambda: bool(receiver.for_event("task.created")), what="the task.created delivery")

    assert refused["updateCompany"]["__typename"] == "Forbidden"
    assert renamed["updateCompany"] == {"__typename": "Company", "name": "New Name Ltd"}
    [received] = receiver.for_event("company.updated")
    payload = Webhook(secret).verify(received.body, received.headers)
    assert payload["data"] == {
        "company": {"id": company, "name": "New Name Ltd", "isPersonal": False},
        "changed": ["name"],
    }
