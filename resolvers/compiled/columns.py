"""The SQL pieces compiled reads build statements from: expressions over a table alias, conditions, orderings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.pagination import SortKey
from domain.sql_json import isoformat_sql

# A table alias in, an SQL expression out.
Expr = Callable[[str], str]
# The child's alias and the parent's (or the viewer's id parameter), an SQL condition out.
Join = Callable[[str, str], str]
# A value in, the placeholder of the statement parameter that carries it out.
Param = Callable[[Any], str]
# A table alias and a way to pass values, an SQL condition out.
Condition = Callable[[str, Param], str]


class Declined(Exception):
    """The operation needs the full executor: a field, argument or value compiled reads do not cover."""


def column(name: str) -> Expr:
    return lambda alias: f"{alias}.{name}"


def instant(name: str) -> Expr:
    """`datetime.isoformat()` of a UTC instant: microseconds only when there are any."""
    return instant_of(column(name))


def instant_of(expression: Expr) -> Expr:
    """`instant` of any timestamptz expression."""
    return lambda alias: isoformat_sql(expression(alias))


@dataclass(frozen=True, slots=True)
class SortColumn:
    """One column of an ordering: what ORDER BY and the keyset compare, and its text in a cursor (JSON-escaped
    as `json.dumps` writes it, without the quotes)."""

    expression: Expr
    cursor_text: Expr


@dataclass(frozen=True, slots=True)
class Ordering:
    """A keyset ordering (`sort` names it in cursors and parses them back) and its columns, the row id last."""

    sort: SortKey
    columns: tuple[SortColumn, ...]


def as_text(expression: Expr) -> Expr:
    return lambda alias: f"{expression(alias)}::text"


def plain_columns(*names: str) -> tuple[SortColumn, ...]:
    """Columns whose cursor text needs no escaping: instants (`_at`), uuids, numbers."""
    return tuple(
        SortColumn(column(name), instant(name) if name.endswith("_at") else as_text(column(name))) for name in names
    )


def json_ascii(expression: Expr) -> Expr:
    """The text as `json.dumps` writes it inside its quotes (ASCII only): quote, backslash and the short control
    escapes, every other character outside space to tilde as `\\u` and four lowercase hex digits (a pair of
    surrogates beyond the first plane). Most text has none of them and is taken as it is."""

    def render(alias: str) -> str:
        text = expression(alias)
        escaped = (
            "(SELECT string_agg(CASE"
            """ WHEN c = '"' THEN '\\"' WHEN c = '\\' THEN '\\\\'"""
            " WHEN c = E'\\b' THEN '\\b' WHEN c = E'\\f' THEN '\\f' WHEN c = E'\\n' THEN '\\n'"
            " WHEN c = E'\\r' THEN '\\r' WHEN c = E'\\t' THEN '\\t'"
            " WHEN ascii(c) BETWEEN 32 AND 126 THEN c"
            " WHEN ascii(c) < 65536 THEN '\\u' || lpad(to_hex(ascii(c)), 4, '0')"
            " ELSE '\\u' || to_hex(55296 + ((ascii(c) - 65536) >> 10))"
            " || '\\u' || to_hex(56320 + ((ascii(c) - 65536) & 1023)) END, '' ORDER BY n)"
            f" FROM unnest(regexp_split_to_array({text}, '')) WITH ORDINALITY AS chars(c, n))"
        )
        plain = f"{text} !~ '[^ -~]' AND strpos({text}, '\"') = 0 AND strpos({text}, '\\') = 0"
        return f"CASE WHEN {plain} THEN {text}::text ELSE {escaped} END"

    return render


# The filter and ordering arguments of a list (popped from the field's arguments): its ordering and conditions.
ListArguments = Callable[[dict[str, Any]], tuple[Ordering, list[Condition]]]
