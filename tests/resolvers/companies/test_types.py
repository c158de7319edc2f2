"""What a company shows: the caller's role in it and its members, oldest first, page by page."""

from __future__ import annotations

from tests.factories import create_company, invite, sign_up
from tests.graphql import GraphQL

VIEWER_ROLES = "{ viewer { companies { nodes { id isPersonal viewerRole } } } }"
MEMBERS = """
query($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Company {
      members(first: $first, after: $after) {
        edges { cursor node { role user { id displayName } company { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}"""


async def test_the_viewer_role_is_the_callers_own_role_in_each_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    bob = await sign_up(graphql, name="Bob Member")
    company = await create_company(graphql, ada)
    await invite(graphql, ada, company_id=company, member=bob)

    data = await graphql(VIEWER_ROLES, caller=bob)

    assert {entry["id"]: entry["viewerRole"] for entry in data["viewer"]["companies"]["nodes"]} == {
        bob.personal_company_id: "OWNER",
        company: "MEMBER",
    }


async def test_members_are_listed_oldest_first(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada First")
    bob = await sign_up(graphql, name="Bob Second")
    carol = await sign_up(graphql, name="Carol Third")
    company = await create_company(graphql, ada)
    await invite(graphql, ada, company_id=company, member=bob, role="ADMIN")
    await invite(graphql, ada, company_id=company, member=carol)

    data = await graphql(MEMBERS, {"id": company}, caller=carol)

    members = [edge["node"] for edge in data["node"]["members"]["edges"]]
    assert [(member["user"]["displayName"], member["role"]) for member in members] == [
        ("Ada First", "OWNER"),
        ("Bob Second", "ADMIN"),
        ("Carol Third", "MEMBER"),
    ]
    assert {member["company"]["id"] for member in members} == {company}


async def test_walking_the_members_one_by_one_gives_each_once(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada First")
    company = await create_company(graphql, ada)
    people = [ada]
    for name in ("Bob Second", "Carol Third", "Dan Fourth"):
        person = await sign_up(graphql, name=name)
        await invite(graphql, ada, company_id=company, member=person)
        people.append(person)

    walked: list[str] = []
    after = None
    for _ in range(len(people) + 1):
        data = await graphql(MEMBERS, {"id": company, "first": 1, "after": after}, caller=ada)
        page = data["node"]["members"]
        walked += [edge["node"]["user"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert walked == [person.user_id for person in people]
