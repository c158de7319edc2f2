"""Compiled reads keep each document's statement (or its cost refusal) by caller kind and variables: what is kept
is shared, what depends on the request is not: whose rows the statement reads, and the request id a refusal
names."""

from __future__ import annotations

import base64
import uuid

from graphql import GraphQLError
from litestar import Litestar

from db.tenant import Caller
from resolvers.compiled.reads import CompiledReads
from tests.factories import create_task, sign_up
from tests.graphql import GraphQL

TASK = "query KeptTask($id: ID!) { node(id: $id) { ... on Task { title } } }"
# Priced with its variables: 100 * 100 * 100 tasks is over the limit.
SIZED = """query KeptSized($a: Int, $b: Int, $c: Int) { viewer { companies(first: $a) { nodes {
  projects(first: $b) { nodes { id tasks(first: $c) { nodes { id } } } } } } } }"""


def _reads(app: Litestar) -> CompiledReads:
    reads = app.state.compiled_reads
    assert isinstance(reads, CompiledReads)
    return reads


async def test_one_kept_statement_reads_each_callers_own_rows(app: Litestar, graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Kept")
    grace = await sign_up(graphql, name="Grace Kept")
    title = f"Ada's own {uuid.uuid4().hex[:8]}"
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title=title)
    reads = _reads(app)
    answered = reads.answered

    # The same text and variables: the statement rendered for Ada is the one Grace's request runs.
    first = await graphql(TASK, {"id": task["id"]}, caller=ada)
    others = await graphql(TASK, {"id": task["id"]}, caller=grace)
    again = await graphql(TASK, {"id": task["id"]}, caller=ada)

    assert reads.answered == answered + 3
    assert first == again == {"node": {"title": title}}
    assert others == {"node": None}


async def test_a_kept_cost_refusal_names_each_requests_own_id(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Kept Refusal")
    costly = {"a": 100, "b": 100, "c": 100}
    ids = []
    for _ in range(2):
        response = await graphql.post(SIZED, costly, caller=ada)
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]
        ids.append(error["extensions"]["requestId"])
    assert ids[0] != ids[1]
    # The same document with other variables is priced with them.
    assert await graphql(SIZED, {"a": 1, "b": 1, "c": 1}, caller=ada)


async def test_variables_in_another_key_order_read_the_same(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Kept Order")
    one = await graphql(SIZED, {"a": 2, "b": 3, "c": 4}, caller=ada)
    other = await graphql(SIZED, {"c": 4, "b": 3, "a": 2}, caller=ada)
    assert one == other


NEWEST = "query Newest($first: Int) { viewer { notifications(first: $first) { nodes { id } pageInfo { endCursor } } } }"
PROJECT_PAGE = """query ProjectPage($id: ID!, $first: Int) {
  node(id: $id) { ... on Project { tasks(first: $first) { nodes { id } } } } }"""


def _statement(app: Litestar, query: str, variables: dict[str, object]) -> tuple[str, tuple[object, ...]]:
    reads = _reads(app)
    prepared = reads._prepared(query, None)
    assert prepared is not None
    assert not isinstance(prepared, GraphQLError)
    plan = reads._plan(prepared, Caller(user_id=uuid.uuid4()), variables)
    assert isinstance(plan, tuple)
    return plan


def test_a_statement_whose_only_parameters_are_page_sizes_carries_them_in_its_text(app: Litestar) -> None:
    # Without a parameter left, PostgreSQL plans the statement once per connection, not at every execution.
    sql, params = _statement(app, NEWEST, {"first": 7})
    assert params == ()
    assert "LIMIT 7)" in sql
    assert "$" not in sql


def test_page_sizes_stay_parameters_beside_other_parameters(app: Litestar) -> None:
    # Beside an id or a cursor, a generic plan that knew the page size could read a project's tasks by a bitmap
    # scan and a sort where the one planned for the values reads them in order.
    project = base64.b64encode(f"Project:{uuid.uuid4()}".encode()).decode()
    sql, params = _statement(app, PROJECT_PAGE, {"id": project, "first": 7})
    assert 7 in params
    assert "LIMIT $" in sql
