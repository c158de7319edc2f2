from __future__ import annotations

from pathlib import Path

from resolvers.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_is_what_the_code_generates() -> None:
    generated = build_schema().as_str() + "\n"

    assert SCHEMA_FILE.read_text() == generated, "schema.graphql drifted: run `make schema` and commit it"
