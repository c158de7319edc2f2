from __future__ import annotations

import pytest

from tests.graphql import GraphQL
from tests.isolation.world import Tenants, make_company_a, make_company_b


@pytest.fixture
async def tenants(graphql: GraphQL) -> Tenants:
    """Company A (Alice, with one of everything) and company B (Bob, who is not a member of A)."""
    return Tenants(a=await make_company_a(graphql), b=await make_company_b(graphql))


@pytest.fixture(scope="module")
async def tenants_to_read(graphql: GraphQL) -> Tenants:
    """One pair for a whole module, for tests that change nothing (or roll back what they change)."""
    return Tenants(a=await make_company_a(graphql), b=await make_company_b(graphql))
