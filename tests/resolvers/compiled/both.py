"""Posting one document to the app (compiled reads on) and to the reference app (off), and comparing them."""

from __future__ import annotations

from typing import Any

import orjson
from litestar import Litestar

from resolvers.compiled.reads import CompiledReads
from tests.graphql import GraphQL


def _reads(app: Litestar) -> CompiledReads:
    reads = app.state.compiled_reads
    assert isinstance(reads, CompiledReads)
    return reads


async def both(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, document: str, variables: dict[str, Any], caller: Any
) -> tuple[bool, bytes]:
    """Whether compiled reads answered, and the body (the same from both executors, or the test fails)."""
    reads = _reads(app)
    answered = reads.answered
    compiled = await graphql.post(document, variables, caller=caller)
    took = reads.answered == answered + 1
    reference = await plain_graphql.post(document, variables, caller=caller)
    assert compiled.status_code == reference.status_code
    compiled_body, reference_body = compiled.json(), reference.json()
    if "errors" in reference_body:
        # Errors carry request ids; their messages and codes must match.
        assert [(e["message"], e["extensions"]["code"]) for e in compiled_body["errors"]] == [
            (e["message"], e["extensions"]["code"]) for e in reference_body["errors"]
        ]
        return took, b""
    # Dumped again, so key order counts too.
    assert orjson.dumps(compiled_body) == orjson.dumps(reference_body), document
    # And as sent: byte for byte, no larger (no spacing in the JSON the database writes).
    assert compiled.content == reference.content, document
    return took, orjson.dumps(compiled_body)
