"""A notification about company A belongs to its recipient: outsiders can neither see nor mark it.

(Marking all of one's own and changing one's own preferences are cases of `test_mutations.py`.)
"""

from __future__ import annotations

from typing import Any

from tests.factories import Person, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants
from tests.waiting import until

NOTIFICATIONS = "{ viewer { unreadNotificationCount notifications { nodes { id title readAt } } } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def notified_newcomer(graphql: GraphQL, tenants: Tenants) -> tuple[Person, dict[str, Any]]:
    """Dave, whom Alice adds to company A, with the notification of it."""
    dave = await sign_up(graphql, name="Dave Newcomer")
    await invite(graphql, tenants.alice, company_id=tenants.a.company_id, member=dave)

    async def notification() -> dict[str, Any] | None:
        nodes = (await graphql(NOTIFICATIONS, caller=dave))["viewer"]["notifications"]["nodes"]
        return nodes[0] if nodes else None

    found: dict[str, Any] = await until(notification, what="Dave's notification of joining company A")
    return dave, found


async def test_outsiders_cannot_see_or_mark_a_notification_about_company_a(graphql: GraphQL, tenants: Tenants) -> None:
    dave, notification = await notified_newcomer(graphql, tenants)
    mark = {"input": {"ids": [notification["id"]]}}

    seen_by_bob = await graphql(NODE, {"id": notification["id"]}, caller=tenants.bob)
    seen_by_key = await graphql(NODE, {"id": notification["id"]}, caller=tenants.b.api_key.caller())
    marked_by_bob = await graphql(
        mutation_document("markNotificationsRead", "... on NotificationsMarkedRead { markedCount }"),
        mark,
        caller=tenants.bob,
    )
    marked_by_key = await graphql(mutation_document("markNotificationsRead"), mark, caller=tenants.b.api_key.caller())

    assert (seen_by_bob["node"], seen_by_key["node"]) == (None, None)
    assert marked_by_bob["markNotificationsRead"] == {"__typename": "NotificationsMarkedRead", "markedCount": 0}
    assert marked_by_key["markNotificationsRead"]["__typename"] == "Forbidden"
    davesview = (await graphql(NOTIFICATIONS, caller=dave))["viewer"]
    assert davesview["unreadNotificationCount"] == 1
    assert davesview["notifications"]["nodes"] == [notification]
    assert tenants.a.marker not in str(seen_by_bob) + str(marked_by_bob)
