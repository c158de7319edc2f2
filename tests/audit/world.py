"""Documents and helpers the audit tests share."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from tests.factories import Person
from tests.graphql import Caller, GraphQL
from tests.isolation.world import uuid_of

AUDIT_LOG = """
query AuditLog($company: ID!, $first: Int, $filter: AuditLogFilter) {
  node(id: $company) {
    ... on Company {
      auditLog(first: $first, filter: $filter) {
        nodes { id action actorId actor { id } targetId details ipAddress userAgent requestId occurredAt }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}"""


async def audit_log(
    graphql: GraphQL, caller: Caller, company_id: str, *, first: int = 100, **filter: Any
) -> list[dict[str, Any]] | None:
    """The company's entries as `caller` reads them, newest first; None when the caller cannot see the company."""
    variables = {"company": company_id, "first": first, "filter": filter or None}
    data = await graphql(AUDIT_LOG, variables, caller=caller)
    if data["node"] is None:
        return None
    nodes: list[dict[str, Any]] = data["node"]["auditLog"]["nodes"]
    return nodes


async def make_platform_admin(owner: asyncpg.Connection, person: Person) -> None:
    """What `rhythm admin grant` does: as the operator role, which alone may set the flag."""
    async with owner.transaction():
        await owner.execute("SET LOCAL ROLE rhythm_definer")
        await owner.execute("UPDATE users SET platform_admin = true WHERE id = $1", uuid_of(person.user_id))


def flag_name() -> str:
    return f"test_flag_{uuid.uuid4().hex[:12]}"
