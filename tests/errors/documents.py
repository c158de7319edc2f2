"""Small documents that would select millions of fields once their fragments are expanded."""

from __future__ import annotations

LEAF = "viewer { user { displayName } }"


def fan_out(levels: int = 24, width: int = 2, leaf: str = LEAF, operation: str = "query") -> str:
    """Fragment i spreads fragment i+1 `width` times; the last selects `leaf`: width^levels copies of it."""
    root = "Subscription" if operation == "subscription" else "Query"
    lines = [f"{operation} {{ ...F0 }}"]
    for level in range(levels):
        lines.append(f"fragment F{level} on {root} {{ {' '.join([f'...F{level + 1}'] * width)} }}")
    lines.append(f"fragment F{levels} on {root} {{ {leaf} }}")
    return "\n".join(lines)


def nested_fan_out(levels: int = 20) -> str:
    """The fan-out inside fields: each fragment selects a field that spreads the next one twice."""
    lines = ["query { viewer { user { ...U0 } } }"]
    for level in range(levels):
        lines.append(f"fragment U{level} on User {{ id ...U{level + 1} ...U{level + 1} }}")
    lines.append(f"fragment U{levels} on User {{ displayName }}")
    return "\n".join(lines)


def inline_fan_out(levels: int = 24) -> str:
    """The fan-out through inline fragments: each fragment spreads the next twice, inside `... on Query`."""
    lines = ["query { ... on Query { ...F0 } }"]
    for level in range(levels):
        inner = f"... on Query {{ ...F{level + 1} }}"
        lines.append(f"fragment F{level} on Query {{ {inner} {inner} }}")
    lines.append(f"fragment F{levels} on Query {{ {LEAF} }}")
    return "\n".join(lines)


def cyclic() -> str:
    """Fragments that spread each other: validation refuses them, the count must not loop."""
    return "query { ...A } fragment A on Query { viewer { user { id } } ...B } fragment B on Query { ...A }"


def repeated(times: int = 280) -> str:
    """One field with a selection of its own, selected `times` times in one selection set."""
    return "{ " + " ".join(["viewer { user { id } }"] * times) + " }"


def repeated_through_fragments(fragments: int = 120) -> str:
    """The same repeat, each copy in a fragment of its own."""
    spreads = " ".join(f"...R{number}" for number in range(fragments))
    definitions = " ".join(
        f"fragment R{number} on Query {{ viewer {{ user {{ id }} }} }}" for number in range(fragments)
    )
    return f"{{ {spreads} }} {definitions}"


def repeated_through_inline_fragments(times: int = 150) -> str:
    return "{ " + " ".join(["... on Query { viewer { user { id } } }"] * times) + " }"
