"""Bounded work per document, the other way to multiply it: one field, with a selection of its own, selected
over and over in the same selection set.

Validation checks that every two fields sharing a response name can merge, comparing their sub-selections
pair by pair: `{ viewer { user { id } } viewer { user { id } } ... }` 280 times fits in 2,000 tokens and took
over a second of CPU to validate. Such repeats say nothing a single selection would not, so past a few dozen the
document is refused with the field count's code. Fields without a selection (`id`, `__typename`) compare
cheaply and are not counted; the spreads of one fragment count once, as validation compares them once.
"""

from __future__ import annotations

from collections import Counter
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

# The code of every refusal of a document for the work it asks for (here and in resolvers/field_count.py).
TOO_COMPLEX = "QUERY_TOO_COMPLEX"
# Well above any document Rhythm's clients send (a handful of fragments on one type), well below what costs.
MAX_REPEATS = 30


def _own(selection_set: SelectionSetNode) -> tuple[Counter[str], set[str]]:
    """The response names of the fields with sub-selections this set selects itself (inline fragments
    included), and the names of the fragments it spreads."""
    names: Counter[str] = Counter()
    spreads: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode) and selection.selection_set is not None:
                names[(selection.alias or selection.name).value] += 1
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                spreads.add(selection.name.value)
    return names, spreads


class _Fragments:
    """Each fragment's names with the fragments it spreads merged in, computed once, cycles skipped."""

    def __init__(self, document: DocumentNode) -> None:
        self._own = {
            definition.name.value: _own(definition.selection_set)
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._merged: dict[str, Counter[str]] = {}

    def merged(self, root: str) -> Counter[str]:
        if root in self._merged or root not in self._own:
            return self._merged.get(root, Counter())
        on_path = {root}
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(self._own[root][1]))]
        while stack:
            name, spreads = stack[-1]
            for spread in spreads:
                if spread in self._own and spread not in self._merged and spread not in on_path:
                    on_path.add(spread)
                    stack.append((spread, iter(self._own[spread][1])))
                    break
            else:
                stack.pop()
                on_path.discard(name)
                names, children = self._own[name]
                merged = Counter(names)
                for child in children:
                    merged.update(self._merged.get(child, Counter()))
                self._merged[name] = merged
        return self._merged[root]


def _selection_sets(document: DocumentNode) -> Iterator[SelectionSetNode]:
    pending = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    while pending:
        selection_set = pending.pop()
        yield selection_set
        for selection in selection_set.selections:
            if isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None:
                pending.append(selection.selection_set)


def most_repeated(document: DocumentNode) -> tuple[str, int]:
    """The field with sub-selections selected most often in one selection set, and how often."""
    fragments = _Fragments(document)
    worst = ("", 0)
    for selection_set in _selection_sets(document):
        names, spreads = _own(selection_set)
        for spread in spreads:
            names.update(fragments.merged(spread))
        if names:
            name, count = names.most_common(1)[0]
            if count > worst[1]:
                worst = (name, count)
    return worst


def too_repetitive(document: DocumentNode, limit: int = MAX_REPEATS) -> GraphQLError | None:
    name, count = most_repeated(document)
    if count <= limit:
        return None
    return GraphQLError(
        f"The document selects `{name}` {count:,} times in one selection set; the limit is {limit}."
        " Select it once, with everything it needs.",
        extensions={"code": TOO_COMPLEX},
    )
