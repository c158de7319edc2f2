"""Strawberry's `convert_arguments`, planned once per argument list instead of worked out on every request.

Strawberry converts a field's coerced arguments into its Python values (input dataclasses, global ids) by
inspecting each type again on every call: names converted, field types resolved, scalars looked up. For a small
write that was the largest part of its CPU after the statement itself. This plans the same steps once per
argument list and replays them; any form it does not plan (`Maybe`, a lazy type, an input that builds itself
with `from_input`) is handed to Strawberry's own `convert_argument` for that value.
`tests/resolvers/compiled/test_arguments.py` converts random inputs of every compiled mutation both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID, GlobalIDValueError, InvalidGlobalIDError
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import (
    StrawberryArgument,
    _is_leaf_type,
    _is_optional_leaf_type,
    convert_argument,
)
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.enum import has_enum_definition
from strawberry.types.unset import UNSET

Converter = Callable[[Any], Any]
Registry = Mapping[object, Any]


class PlannedArguments:
    """`convert_arguments(values, arguments, ...)` for one argument list, planned when first called."""

    def __init__(self, arguments: list[StrawberryArgument], registry: Registry, config: StrawberryConfig) -> None:
        self._arguments = arguments
        self._registry = registry
        self._config = config
        self._plan: list[tuple[str, str, Converter]] | None = None

    def __call__(self, values: dict[str, Any]) -> dict[str, Any]:
        if self._plan is None:
            self._plan = [
                (self._config.name_converter.from_argument(argument), argument.python_name, self._of(argument.type))
                for argument in self._arguments
                if argument.python_name
            ]
        return {python: convert(values[name]) for name, python, convert in self._plan if name in values}

    def _of(self, type_: Any) -> Converter:
        """How to convert a value of `type_`, as `convert_argument` would."""
        if isinstance(type_, StrawberryMaybe):
            return self._strawberry(type_)
        if isinstance(type_, StrawberryOptional):
            return self._of(type_.of_type)  # None and UNSET pass every converter below unchanged
        if isinstance(type_, StrawberryList):
            return self._list(type_)
        if type_ is GlobalID:
            return _global_id
        if _is_leaf_type(type_, self._registry) or has_enum_definition(type_):
            return _unchanged  # graphql-core has parsed the scalar, or chosen the enum's member
        if has_object_definition(type_) and type_.__strawberry_definition__.from_input is None:
            return self._input(type_)
        return self._strawberry(type_)

    def _list(self, type_: StrawberryList) -> Converter:
        item = type_.of_type
        skip = (GlobalID,)
        if _is_leaf_type(item, self._registry, skip_classes=skip) or _is_optional_leaf_type(
            item, self._registry, skip_classes=skip
        ):
            # Copied, as Strawberry copies it: graphql-core hands every request that omits it the same default.
            return lambda value: value if value is None or value is UNSET else list(value)
        convert = self._of(item)
        return lambda value: value if value is None or value is UNSET else [convert(each) for each in value]

    def _input(self, type_: Any) -> Converter:
        definition = type_.__strawberry_definition__
        # Planned at first use: an input may hold itself.
        planned: list[tuple[dict[str, None], list[tuple[str, str, Converter]]]] = []

        def plan() -> tuple[dict[str, None], list[tuple[str, str, Converter]]]:
            if not planned:
                # An implicit None for fields without a default, as Strawberry gives them (graphql-core has checked
                # that the required ones are there).
                defaults = {
                    field.python_name: None
                    for field in definition.fields
                    if field.default_value is MISSING and field.default_factory is MISSING
                }
                fields = [
                    (
                        self._config.name_converter.from_field(field),
                        field.python_name,
                        self._of(field.resolve_type(type_definition=definition)),
                    )
                    for field in definition.fields
                ]
                planned.append((defaults if definition.is_input else {}, fields))
            return planned[0]

        def convert(value: Any) -> Any:
            if value is None or value is UNSET:
                return value
            defaults, fields = plan()
            kwargs: dict[str, Any] = dict(defaults)
            for name, python, convert_field in fields:
                if name in value:
                    kwargs[python] = convert_field(value[name])
            return type_(**kwargs)

        return convert

    def _strawberry(self, type_: Any) -> Converter:
        return lambda value: convert_argument(value, type_, self._registry, self._config)


def _unchanged(value: Any) -> Any:
    return value


def _global_id(value: Any) -> Any:
    if value is None or value is UNSET:
        return value
    try:
        return GlobalID.from_id(value)
    except GlobalIDValueError as error:
        raise InvalidGlobalIDError(f'Value cannot represent a GlobalID: "{value}".') from error
