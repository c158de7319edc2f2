"""GraphQL documents and helpers the account tests share."""

from __future__ import annotations

import gzip
import json
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import PASSWORD, Person
from tests.graphql import GraphQL
from tests.waiting import until

CONSENTS = "{ viewer { consents { kind version granted at } } }"
EXPORTS = "{ viewer { dataExports { id state expiresAt downloadedAt sizeBytes downloadUrl } } }"

REQUEST_EXPORT = """
mutation { requestDataExport { __typename ... on DataExport { id state } ... on Error { message } } }
"""

DELETE_ACCOUNT = """
mutation($input: DeleteAccountInput!) {
  deleteAccount(input: $input) {
    __typename
    ... on AccountDeleted { ok }
    ... on LastOwnerOfCompanies { message companies { id name } }
    ... on Error { message }
  }
}"""

SIGN_UP_WITH_CONSENTS = """
mutation($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on AuthPayload { accessToken user { id } }
    ... on ValidationFailed { fields { field message } }
    ... on Error { message }
  }
}"""


async def delete_account(graphql: GraphQL, person: Person, password: str = PASSWORD) -> dict[str, Any]:
    data = await graphql(DELETE_ACCOUNT, {"input": {"password": password}}, caller=person)
    result: dict[str, Any] = data["deleteAccount"]
    return result


async def ready_export(graphql: GraphQL, person: Person) -> dict[str, Any]:
    """Ask for an export and wait for its job to build it."""
    asked = (await graphql(REQUEST_EXPORT, caller=person))["requestDataExport"]
    assert asked["__typename"] == "DataExport", asked

    async def built() -> dict[str, Any] | None:
        exports = (await graphql(EXPORTS, caller=person))["viewer"]["dataExports"]
        found = next(export for export in exports if export["id"] == asked["id"])
        return found if found["state"] == "READY" else None

    return await until(built, what="the export job built the archive")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def download(client: AsyncTestClient[Litestar], url: str) -> tuple[int, Any]:
    """The status, and the archive's JSON document when it came."""
    response = await client.get(path_of(url))
    if response.status_code != 200:
        return response.status_code, response.text
    return 200, json.loads(gzip.decompress(response.content))
