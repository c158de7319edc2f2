"""Bounded work per document: how many fields a document selects once its fragments are expanded.

Depth and token limits do not bound the work a document asks for: 24 fragments that each spread the next one
twice fit in 1.3 KB and 2,000 tokens yet select 2^24 fields, and validation alone (which expands fragments)
would keep a core busy for minutes. This pass counts each fragment once and reuses its count wherever it is
spread, so its own cost is linear in the document, and it runs before validation and before compiled reads
look at the document. (Counts are exact: 2,000 tokens cannot make one much beyond 2^1000, a small integer to
Python.)
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from resolvers.repeated_fields import TOO_COMPLEX, too_repetitive


def _tally(selection_set: SelectionSetNode) -> tuple[int, list[str]]:
    """The fields a selection set selects itself (nested ones and inline fragments included), and the names of
    the fragments it spreads, once per spread."""
    fields = 0
    spreads: list[str] = []
    # An explicit stack, as everywhere here: a document nested a few hundred levels deep (still within the
    # token limit) must not exhaust Python's stack before the depth rule could refuse it.
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                fields += 1
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                spreads.append(selection.name.value)
    return fields, spreads


class _Counter:
    """Each fragment's expanded count, computed once. A spread of a fragment that is being counted (a cycle) or
    that does not exist counts as nothing here: validation reports both."""

    def __init__(self, document: DocumentNode) -> None:
        self._shapes = {
            definition.name.value: _tally(definition.selection_set)
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._counted: dict[str, int] = {}

    def counted(self, name: str) -> bool:
        return name in self._counted

    def fragment(self, root: str) -> int:
        if root in self._counted:
            return self._counted[root]
        # Depth first, children before parents, without recursion.
        on_path = {root}
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(self._shapes[root][1]))]
        while stack:
            name, spreads = stack[-1]
            for spread in spreads:
                if spread in self._shapes and spread not in self._counted and spread not in on_path:
                    on_path.add(spread)
                    stack.append((spread, iter(self._shapes[spread][1])))
                    break
            else:
                stack.pop()
                on_path.discard(name)
                fields, names = self._shapes[name]
                self._counted[name] = fields + sum(self._counted.get(spread, 0) for spread in names)
        return self._counted[root]

    def selection_set(self, selection_set: SelectionSetNode) -> int:
        fields, spreads = _tally(selection_set)
        return fields + sum(self.fragment(spread) for spread in spreads if spread in self._shapes)


def selected_fields(document: DocumentNode) -> int:
    """The fields the document's operations select with fragments expanded, plus those of any fragment no
    operation spreads: validation walks those too (before it reports them unused)."""
    counter = _Counter(document)
    total = sum(
        counter.selection_set(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode) and not counter.counted(definition.name.value):
            total += counter.fragment(definition.name.value)
    return total


def _figure(count: int) -> str:
    return f"{count:,}" if count < 10**15 else f"about 10^{len(str(count)) - 1}"


def too_complex(document: DocumentNode, limit: int) -> GraphQLError | None:
    """The error refusing `document`, or None when it selects at most `limit` fields and repeats no field with
    a selection of its own too often in one place (resolvers/repeated_fields.py)."""
    count = selected_fields(document)
    if count <= limit:
        return too_repetitive(document)
    return GraphQLError(
        f"The document selects {_figure(count)} fields once its fragments are expanded; the limit is"
        f" {limit:,}. Ask for less in each request.",
        extensions={"code": TOO_COMPLEX},
    )


class MaxSelectedFields(SchemaExtension):
    """Refuse a document that selects more than `max_fields` fields, before validation runs on it."""

    def __init__(self, max_fields: int) -> None:
        self._max_fields = max_fields

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Errors already set mean validation is skipped anyway (a document the cache knows passed this check).
        if document is not None and context.pre_execution_errors is None:
            error = too_complex(document, self._max_fields)
            if error is not None:
                # Set before validation runs, this stops Strawberry from validating at all.
                context.pre_execution_errors = [error]
        yield
