from __future__ import annotations

from pathlib import Path

from resolvers.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_is_what_the_code_generates() -> None:
    generated = build_schema().as_str() + "\n"

    assert SCHEMA_FILE.read_text() == generated, "schema.graphql drifted: run `make schema` and commit it"


def _undescribed() -> list[str]:
    schema = build_schema()._schema
    missing: list[str] = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Boolean", "Int", "Float", "ID"):
            continue
        if not graphql_type.description:
            missing.append(f"type {name}")
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for argument_name, argument in getattr(field, "args", {}).items():
                # A mutation's `input` is described by its input type.
                if not argument.description and argument_name != "input":
                    missing.append(f"{name}.{field_name}({argument_name})")
    return missing


def test_every_type_field_and_argument_is_described() -> None:
    assert _undescribed() == []
