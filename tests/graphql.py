"""Posting GraphQL documents to the app, the way a frontend does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient


@dataclass(frozen=True)
class Caller:
    """Credentials to send: a person's access token or an integrator's API key."""

    token: str | None = None
    api_key: str | None = None
    company_id: str | None = None

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.api_key:
            headers["X-Api-Key"] = self.api_key
        if self.company_id:
            headers["X-Company-Id"] = self.company_id
        return headers


class GraphQL:
    def __init__(self, client: AsyncTestClient[Litestar]) -> None:
        self.client = client

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        caller: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        sent = {**(caller.headers() if caller is not None else {}), **(headers or {})}
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=sent)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, caller: Any = None) -> Any:
        """The `data` of a successful operation; fails the test on any GraphQL error."""
        response = await self.post(query, variables, caller=caller)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def errors(self, query: str, variables: dict[str, Any] | None = None, *, caller: Any = None) -> list[Any]:
        """The errors of an operation that must fail."""
        response = await self.post(query, variables, caller=caller)
        body = response.json()
        assert body.get("errors"), body
        return list(body["errors"])
