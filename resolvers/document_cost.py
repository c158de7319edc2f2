"""Bounded work per document, the third way to multiply it: pages inside pages, and aliases.

The field count (resolvers/field_count.py) bounds how many fields a document names; it cannot see that
`tasks(first: 100) { nodes { subtasks(first: 100) { nodes { ... } } } }` asks for ten thousand rows per field
below. Here every field costs one, times the page size of every connection above it (`first`, or `last`, or
the default page size where neither is given), with fragments expanded. Aliases are bounded too: each alias of a
mutation is one more attempt (at a password, say) within one request.

It runs after the field count has passed, which bounds the expanded document to a few thousand fields, and
before validation, both on the full executor's path and on compiled reads'. Variables are read as given (a
document the cache knows is checked again with each request's variables).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_COSTLY = "QUERY_TOO_COSTLY"
# The arguments that size a page, and the fields that tell a connection without them.
_PAGE_ARGUMENTS = frozenset({"first", "last"})
_CONNECTION_FIELDS = frozenset({"edges", "nodes"})
# Deeper than any document the depth limit lets through: past it a branch costs nothing here and validation
# refuses the document for its depth.
_MAX_NESTING = 200
# Selections walked at most: the field count lets through a few thousand fields, each visited twice or so.
_MAX_STEPS = 200_000


@dataclass(frozen=True, slots=True)
class CostLimits:
    max_aliases: int = 30
    max_cost: int = 1_000_000
    default_page_size: int = 20
    # A larger `first` is refused by the connection itself, with its own message: priced as the largest page.
    max_page_size: int = 100
    # A document deeper than this is left to validation, which refuses it for its depth: the clearer reason.
    max_depth: int = 12


Fragments = Mapping[str, FragmentDefinitionNode]


def parts(document: DocumentNode) -> tuple[list[OperationDefinitionNode], dict[str, FragmentDefinitionNode]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return operations, fragments


class _Unbounded(Exception):
    """More selections walked than any document within the field count can make, but for fragments that spread
    each other without selecting a field (a cycle further down): validation would refuse it, after as long."""


class _Pricer:
    def __init__(
        self, fragments: Fragments, variables: Mapping[str, object], default_page_size: int, max_page_size: int
    ) -> None:
        self._fragments = fragments
        self._variables = variables
        self._default_page_size = default_page_size
        self._max_page_size = max_page_size
        self._steps = 0
        self.deepest = 0

    def _fields(
        self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset(), nesting: int = 0
    ) -> Iterator[FieldNode]:
        """The fields a selection set selects at its own level, through inline fragments and spreads."""
        if nesting > _MAX_NESTING:
            return
        for selection in selection_set.selections:
            self._steps += 1
            if self._steps > _MAX_STEPS:
                raise _Unbounded
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, seen, nesting + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                # A cycle or a missing fragment costs nothing here; validation reports both.
                if name in self._fragments and name not in seen:
                    yield from self._fields(self._fragments[name].selection_set, seen | {name}, nesting + 1)

    def _page_size(self, field: FieldNode) -> int | None:
        """The page a connection field asks for; None for a field that is not a connection."""
        for argument in field.arguments or ():
            if argument.name.value in _PAGE_ARGUMENTS:
                value = argument.value
                if isinstance(value, IntValueNode):
                    return min(max(int(value.value), 0), self._max_page_size)
                if isinstance(value, VariableNode):
                    given = self._variables.get(value.name.value)
                    if isinstance(given, int) and not isinstance(given, bool):
                        return min(max(given, 0), self._max_page_size)
                return self._default_page_size
        if field.selection_set is not None and any(
            child.name.value in _CONNECTION_FIELDS for child in self._fields(field.selection_set)
        ):
            return self._default_page_size
        return None

    def cost(self, selection_set: SelectionSetNode, depth: int = 0) -> int:
        if depth > _MAX_NESTING:
            return 0
        total = 0
        for field in self._fields(selection_set):
            total += 1
            self.deepest = max(self.deepest, depth)
            if field.selection_set is not None:
                below = self.cost(field.selection_set, depth + 1)
                page = self._page_size(field)
                total += below if page is None else page * below
        return total


def aliases(operations: Iterable[OperationDefinitionNode], fragments: Fragments) -> int:
    """Aliased fields as written (a fragment counts once, however often it is spread)."""
    pending = [o.selection_set for o in operations] + [f.selection_set for f in fragments.values()]
    count = 0
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                count += selection.alias is not None
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
    return count


def too_costly(
    operations: list[OperationDefinitionNode],
    fragments: Fragments,
    variables: Mapping[str, object] | None,
    limits: CostLimits,
) -> GraphQLError | None:
    """The error refusing a document over either limit, or None. The cost is that of its costliest operation:
    only one runs, and which one depends on the operation name, checked later."""
    used = aliases(operations, fragments)
    if used > limits.max_aliases:
        return GraphQLError(
            f"The document uses {used:,} aliases; the limit is {limits.max_aliases:,}. Send fewer in one request.",
            extensions={"code": TOO_MANY_ALIASES},
        )
    pricer = _Pricer(fragments, variables or {}, limits.default_page_size, limits.max_page_size)
    try:
        cost = max((pricer.cost(operation.selection_set) for operation in operations), default=0)
        _walk_unused(pricer, fragments)
    except _Unbounded:
        return _endless()
    if cost <= limits.max_cost or pricer.deepest > limits.max_depth:
        return None
    return GraphQLError(
        f"The document could return about {cost:,} values (each field times the page sizes above it); the limit"
        f" is {limits.max_cost:,}. Ask for smaller pages (`first`) or fewer nested lists.",
        extensions={"code": TOO_COSTLY, "cost": cost, "maxCost": limits.max_cost},
    )


def _walk_unused(pricer: _Pricer, fragments: Fragments) -> None:
    """Validation walks every fragment, spread or not: so does the step count."""
    for fragment in fragments.values():
        pricer.cost(fragment.selection_set)


def _endless() -> GraphQLError:
    return GraphQLError(
        "The document's fragments spread each other too many times. Spread each fragment once.",
        extensions={"code": TOO_COSTLY},
    )


def endless_spreads(document: DocumentNode) -> GraphQLError | None:
    """The refusal of a document whose fragments spread each other without end (whatever its variables), for a
    caller about to validate it: the field count sees no field in them, validation would walk every spread."""
    operations, fragments = parts(document)
    pricer = _Pricer(fragments, {}, 1, 1)
    try:
        for operation in operations:
            pricer.cost(operation.selection_set)
        _walk_unused(pricer, fragments)
    except _Unbounded:
        return _endless()
    return None


class MaxDocumentCost(SchemaExtension):
    """Refuse a document over the alias or cost limit before validation; run on cached documents too, whose cost
    depends on each request's variables."""

    def __init__(self, limits: CostLimits) -> None:
        self._limits = limits

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # None: not validated yet; []: a cached document that passed before. Anything else is already refused.
        if document is not None and not context.pre_execution_errors:
            operations, fragments = parts(document)
            error = too_costly(operations, fragments, context.variables, self._limits)
            if error is not None:
                context.pre_execution_errors = [error]
        yield
