"""A document compiled reads decline is parsed and validated once: the executor takes it from the shared cache."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from litestar import Litestar

from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.resolvers.compiled.both import both


async def test_a_declined_document_is_not_validated_again_by_the_executor(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = await sign_up(graphql, name="Ada Declined")
    validated: list[Any] = []
    validate = strawberry_schema.validate_document

    def counting(*args: Any) -> Any:
        validated.append(args[1])
        return validate(*args)

    monkeypatch.setattr(strawberry_schema, "validate_document", counting)
    # A text never seen before (the alias makes it new), with a field compiled reads do not cover.
    document = f"{{ fresh_{uuid.uuid4().hex}: viewer {{ runningTimer {{ id }} user {{ displayName }} }} }}"
    response = await graphql.post(document, caller=ada)
    assert response.status_code == 200
    assert "errors" not in response.json()
    assert validated == []


async def test_an_invalid_document_gets_the_executors_errors(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL
) -> None:
    ada = await sign_up(graphql, name="Ada Invalid")
    took, _ = await both(app, graphql, plain_graphql, f"{{ viewer {{ nope_{uuid.uuid4().hex} }} }}", {}, ada)
    assert not took
