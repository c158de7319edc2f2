"""Task lists with filters, orderings and cursors: compiled reads answer them, exactly as the resolvers do.

Random documents pick a list (root, a company's, a project's), a filter, an ordering and a page size, and walk
every page by cursor; each page is posted to both executors and must come back the same, cursors byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from litestar import Litestar

from tests.factories import Person, create_company, create_project, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.resolvers.compiled.both import both

STATUSES = ["TODO", "IN_PROGRESS", "DONE", "CANCELLED"]
PRIORITIES = ["LOW", "MEDIUM", "HIGH", "URGENT"]
TITLES = ["Alpha", "alpha", "Beta", 'Say "hi" \\ ☃ 🎉', "Ünïcode", "100% done_ish", "Beta", "zeta"]
TAGS = ["red", "green", "blue"]
FIELDS = ["CREATED_AT", "UPDATED_AT", "DUE_AT", "PRIORITY", "TITLE"]


@dataclass(frozen=True)
class Lists:
    ada: Person
    bob: Person
    company: str
    other_company: str
    projects: list[str]


@pytest.fixture(scope="module")
async def lists(graphql: GraphQL) -> Lists:
    ada = await sign_up(graphql, name="Ada Lists")
    bob = await sign_up(graphql, name="Bob Lists")
    company = await create_company(graphql, ada, name="Lists Inc")
    await invite(graphql, ada, company_id=company, member=bob)
    other = await create_company(graphql, bob, name="Bob's Lists")
    await invite(graphql, bob, company_id=other, member=ada)
    projects = [await create_project(graphql, ada, company_id=company, name=name) for name in ("One", "Two")]
    chance = random.Random(16)
    for number in range(26):
        fields: dict[str, Any] = {
            "status": STATUSES[number % 4],
            "priority": chance.choice(PRIORITIES),
            "tags": chance.sample(TAGS, k=chance.randint(0, 2)),
        }
        if number % 3:
            # Some share a due instant (ties broken by id), some have microseconds, a third none at all.
            fields["dueAt"] = f"2026-12-{number % 5 + 1:02d}T09:00:00{'.5' if number % 4 == 1 else ''}Z"
        if number % 2:
            fields["assigneeId"] = chance.choice([ada, bob]).user_id
        title = f"{TITLES[number % len(TITLES)]} {number % 4}"
        if number < 20:
            await create_task(graphql, ada, company_id=company, title=title, projectId=projects[number % 2], **fields)
        else:
            await create_task(graphql, bob, company_id=other, title=title, **fields)
    return Lists(ada, bob, company, other, projects)


def _filter(chance: random.Random, lists: Lists) -> dict[str, Any]:
    options: dict[str, Any] = {
        "status": chance.sample(STATUSES, k=chance.randint(0, 3)),
        "assigneeId": chance.choice([lists.ada.user_id, lists.bob.user_id]),
        "projectId": chance.choice(lists.projects),
        "companyId": chance.choice([lists.company, lists.other_company]),
        "dueAfter": "2026-12-02T00:00:00Z",
        "dueBefore": chance.choice(["2026-12-04T09:00:00Z", "2026-12-04T09:00:00.5+00:00"]),
        "search": chance.choice(["alpha", "BETA", "%", "_", "\\", "☃", "", "zz"]),
        "tags": chance.sample(TAGS, k=chance.randint(1, 2)),
    }
    return {name: options[name] for name in chance.sample(sorted(options), k=chance.randint(0, 3))}


SELECTIONS = [
    "nodes { id title } pageInfo { hasNextPage endCursor }",
    "edges { cursor node { title status priority dueAt tags } } pageInfo { hasNextPage hasPreviousPage endCursor }",
    "pageInfo { startCursor endCursor hasNextPage } edges { node { id assignee { displayName } } cursor }",
]


def _document(chance: random.Random, lists: Lists) -> tuple[str, dict[str, Any], list[str]]:
    """A list document taking `$filter`, `$order`, `$first` and `$after`, its variables, and the path to the
    connection in the answer."""
    arguments = "(filter: $filter, orderBy: $order, first: $first, after: $after)"
    selection = chance.choice(SELECTIONS)
    where = chance.choice(["root", "project", "company"])
    if where == "root":
        body, path = f"tasks{arguments} {{ {selection} }}", ["tasks"]
    else:
        kind = "Project" if where == "project" else "Company"
        body, path = f"node(id: $id) {{ ... on {kind} {{ tasks{arguments} {{ {selection} }} }} }}", ["node", "tasks"]
    header = "$filter: TaskFilterInput, $order: TaskOrder, $first: Int, $after: String"
    variables: dict[str, Any] = {
        "filter": _filter(chance, lists) or None,
        "order": chance.choice(
            [None, *({"field": field, "direction": chance.choice(["ASC", "DESC"])} for field in FIELDS)]
        ),
        "first": chance.choice([None, 1, 3, 7]),
    }
    if where != "root":
        header += ", $id: ID!"
        variables["id"] = chance.choice(lists.projects) if where == "project" else lists.company
    return f"query List({header}) {{ {body} }}", variables, path


async def _walk(
    app: Litestar,
    graphql: GraphQL,
    plain_graphql: GraphQL,
    lists: Lists,
    document: str,
    variables: dict[str, Any],
    path: list[str],
) -> int:
    """Every page of the list, each answered by compiled reads and equal to the resolvers'; the pages seen."""
    after, pages = None, 0
    while True:
        took, body = await both(app, graphql, plain_graphql, document, {**variables, "after": after}, lists.ada)
        assert took, (document, variables, after)
        pages += 1
        page = orjson.loads(body)["data"]
        for key in path:
            page = page[key]
        info = page["pageInfo"]
        if not info["hasNextPage"] or variables["first"] == 0 or pages > 30:
            return pages
        after = info["endCursor"]


@pytest.mark.parametrize("seed", range(60))
async def test_random_task_lists_page_by_page_answer_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, lists: Lists, seed: int
) -> None:
    document, variables, path = _document(random.Random(seed), lists)
    await _walk(app, graphql, plain_graphql, lists, document, variables, path)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_ordering_walks_every_task_once_through_compiled_cursors(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, lists: Lists, field: str, direction: str
) -> None:
    document = """
    query($order: TaskOrder, $after: String, $first: Int, $company: ID) {
      tasks(orderBy: $order, first: $first, after: $after, filter: {companyId: $company}) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor }
      }
    }"""
    seen: list[str] = []
    after = None
    while True:
        variables = {
            "order": {"field": field, "direction": direction},
            "first": 3,
            "after": after,
            "company": lists.company,
        }
        took, body = await both(app, graphql, plain_graphql, document, variables, lists.ada)
        assert took
        page = orjson.loads(body)["data"]["tasks"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 20


async def test_a_resolver_cursor_continues_a_compiled_list_and_the_other_way_round(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, lists: Lists
) -> None:
    document = """
    query($after: String) {
      tasks(first: 4, after: $after, orderBy: {field: TITLE, direction: DESC}) { pageInfo { endCursor } nodes { id } }
    }"""
    compiled = await graphql(document, {"after": None}, caller=lists.ada)
    reference = await plain_graphql(document, {"after": None}, caller=lists.ada)
    assert compiled == reference
    cursor = compiled["tasks"]["pageInfo"]["endCursor"]
    assert await graphql(document, {"after": cursor}, caller=lists.ada) == await plain_graphql(
        document, {"after": cursor}, caller=lists.ada
    )


BACKWARD = """
query($order: TaskOrder, $before: String, $last: Int, $filter: TaskFilterInput) {
  tasks(orderBy: $order, last: $last, before: $before, filter: $filter) {
    edges { cursor node { id title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_ordering_walks_back_to_the_start_through_compiled_cursors(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, lists: Lists, field: str, direction: str
) -> None:
    order = {"field": field, "direction": direction}
    forward = await graphql(
        "query($order: TaskOrder) { tasks(orderBy: $order, first: 100) { nodes { id } } }",
        {"order": order},
        caller=lists.ada,
    )
    seen: list[str] = []
    before = None
    while True:
        variables = {"order": order, "last": 3, "before": before}
        took, body = await both(app, graphql, plain_graphql, BACKWARD, variables, lists.ada)
        assert took
        page = orjson.loads(body)["data"]["tasks"]
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        seen = [edge["node"]["id"] for edge in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert seen == [node["id"] for node in forward["tasks"]["nodes"]]


@pytest.mark.parametrize("seed", range(20))
async def test_random_backward_pages_answer_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, lists: Lists, seed: int
) -> None:
    chance = random.Random(1000 + seed)
    variables = {
        "order": chance.choice([None, {"field": chance.choice(FIELDS), "direction": chance.choice(["ASC", "DESC"])}]),
        "last": chance.choice([None, 0, 1, 4]),
        "filter": _filter(chance, lists) or None,
        "before": None,
    }
    document, path = BACKWARD, ["tasks"]
    if seed % 2:
        # A company's or project's tasks: the resolvers page them per parent, with LATERAL joins.
        document = BACKWARD.replace("$filter: TaskFilterInput", "$filter: TaskFilterInput, $id: ID!")
        document = document.replace("  tasks(", "  node(id: $id) { ... on Project { tasks(").replace("\n}", "}}\n}")
        document = document.replace("... on Project", chance.choice(["... on Project", "... on Company"]))
        variables["id"] = chance.choice(lists.projects) if "Project" in document else lists.company
        path = ["node", "tasks"]
    for _ in range(10):
        took, body = await both(app, graphql, plain_graphql, document, variables, lists.ada)
        assert took, (document, variables)
        info = orjson.loads(body)["data"]
        for key in path:
            info = info[key]
        info = info["pageInfo"]
        if not info["hasPreviousPage"] or variables["last"] == 0:
            break
        variables["before"] = info["startCursor"]


async def test_first_with_last_is_the_resolvers_error(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, lists: Lists
) -> None:
    for document in [
        "{ tasks(first: 2, last: 2) { nodes { id } } }",
        '{ tasks(after: "x", before: "y") { nodes { id } } }',
    ]:
        took, _ = await both(app, graphql, plain_graphql, document, {}, lists.ada)
        assert not took
        [error] = (await graphql.post(document, caller=lists.ada)).json()["errors"]
        assert error["extensions"]["fields"] == {"last": "Give `first` and `after`, or `last` and `before`, not both."}
