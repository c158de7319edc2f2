"""The GraphQL documents of README.md, so the tests run exactly what a reader pastes."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, print_ast

README = Path(__file__).parents[2] / "README.md"


def graphql_documents() -> list[str]:
    """Every operation in the README's ```graphql blocks, in reading order (a block may hold several)."""
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [print_ast(definition) for block in blocks for definition in parse(block).definitions]


def document(starting_with: str) -> str:
    """The first README document whose text, spaces squeezed, starts with `starting_with`."""
    for text in graphql_documents():
        if " ".join(text.split()).startswith(starting_with):
            return text
    raise AssertionError(f"README.md has no GraphQL document starting with {starting_with!r}")


def fill(text: str, **values: str) -> str:
    """The document with its `<placeholder>`s (as `<company id>` for company_id) replaced."""
    for name, value in values.items():
        text = text.replace(f"<{name.replace('_', ' ')}>", value)
    assert "<" not in text.replace("<=", ""), f"unfilled placeholder in {text}"
    return text
