"""The published schema (`schema.graphql`), read to list every operation and to build documents from it, so a
table of cases can name a mutation by its field alone.

The committed file rather than the schema the code builds: `tests/test_schema_file.py` keeps the two equal, so a
new field reaches these checks when it is published, and work in progress elsewhere does not fail them early.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import graphql

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


@cache
def published_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SCHEMA_FILE.read_text())


def mutation_fields() -> set[str]:
    mutation = published_schema().mutation_type
    assert mutation is not None
    return set(mutation.fields)


def query_fields() -> set[str]:
    return set(published_schema().query_type.fields)  # type: ignore[union-attr]


def node_types() -> set[str]:
    node = published_schema().get_type("Node")
    assert isinstance(node, graphql.GraphQLInterfaceType)
    return {t.name for t in published_schema().get_implementations(node).objects}


def mutation_document(field: str, select: str = "") -> str:
    """`mutation($input: XInput!) { field(input: $input) { __typename ...errors } }` for one mutation field."""
    mutation = published_schema().mutation_type
    assert mutation is not None
    args = mutation.fields[field].args
    declared = ", ".join(f"${name}: {arg.type}" for name, arg in args.items())
    passed = ", ".join(f"{name}: ${name}" for name in args)
    return (
        f"mutation{f'({declared})' if declared else ''} {{\n"
        f"  {field}{f'({passed})' if passed else ''} {{ __typename {select} ... on Error {{ message }} }}\n"
        "}"
    )
