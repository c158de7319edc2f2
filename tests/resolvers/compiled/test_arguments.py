"""Compiled mutations convert their arguments with a plan made once (resolvers/compiled/arguments.py): for random
inputs of every mutation they answer, the plan gives what Strawberry's `convert_arguments` gives, or fails
alike."""

from __future__ import annotations

import base64
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from resolvers.compiled.arguments import PlannedArguments
from resolvers.compiled.mutations import WRITES
from resolvers.schema import build_schema

SCHEMA = build_schema()
SAMPLES = 300


def _global_id(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(["not-an-id", "", base64.b64encode(b"no colon").decode()])
    kind = rng.choice(["Task", "Company", "Project", "User", "TimeEntry"])
    return base64.b64encode(f"{kind}:{uuid.UUID(int=rng.getrandbits(128))}".encode()).decode()


def _scalar(rng: random.Random, scalar: GraphQLScalarType) -> object:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 600_000))
    by_name: dict[str, Any] = {
        "String": lambda: rng.choice(["", "A title", "x" * rng.randint(1, 600), "Ünïcode ✓"]),
        "Int": lambda: rng.randint(-5, 2_000),
        "Float": lambda: rng.uniform(-5, 100),
        "Boolean": lambda: rng.random() < 0.5,
        "ID": lambda: _global_id(rng),
        "DateTime": lambda: moment.isoformat(),
        "Date": lambda: moment.date().isoformat(),
    }
    make = by_name.get(scalar.name)
    return make() if make is not None else f"{scalar.name}-{rng.randint(0, 9)}"


def _value(rng: random.Random, type_: GraphQLInputType, depth: int = 0) -> object:
    """A JSON value for `type_`: null now and then where it may be, a field left out now and then."""
    if isinstance(type_, GraphQLNonNull):
        return _present(rng, type_.of_type, depth)
    return None if rng.random() < 0.2 else _present(rng, type_, depth)


def _present(rng: random.Random, type_: Any, depth: int) -> object:
    if isinstance(type_, GraphQLList):
        return [_value(rng, type_.of_type, depth + 1) for _ in range(rng.randint(0, 3))]
    if isinstance(type_, GraphQLEnumType):
        return rng.choice(list(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _value(rng, field.type, depth + 1)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) or (depth < 3 and rng.random() < 0.6)
        }
    assert isinstance(type_, GraphQLScalarType)
    return _scalar(rng, type_)


def _converted(convert: Any, *arguments: object) -> tuple[str, object]:
    try:
        return "value", convert(*arguments)
    except Exception as error:  # both must fail alike
        return type(error).__name__, str(error)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_planned_arguments_convert_as_strawberry_does(name: str) -> None:
    field = SCHEMA._schema.mutation_type.fields[name]  # type: ignore[union-attr]
    definition = field.extensions["strawberry-definition"]
    assert isinstance(definition, StrawberryField)
    registry = SCHEMA.schema_converter.scalar_registry
    planned = PlannedArguments(list(definition.arguments), registry, SCHEMA.config)
    rng = random.Random(f"arguments-{name}")
    compared = 0
    for _ in range(SAMPLES):
        values: dict[str, object] = {}
        try:
            for argument_name, argument in field.args.items():
                values[argument_name] = coerce_input_value(_value(rng, argument.type), argument.type)
        except GraphQLError:
            continue  # the executor refuses it before any conversion
        expected = _converted(convert_arguments, values, list(definition.arguments), registry, SCHEMA.config)
        assert _converted(planned, values) == expected, values
        compared += 1
    assert compared > SAMPLES // 2  # most random inputs are valid GraphQL: the comparison ran
