"""One query operation rendered as one SQL statement that returns the operation's `data` as JSON text.

Every value the client chose (page sizes, cursors, ids, filters) is a parameter, so documents of one shape
share one statement text and the driver's prepared statement. Whatever the renderer does not cover raises
`Declined`, before any SQL runs, and the full executor answers instead.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import orjson
from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_argument_values,
    get_named_type,
    is_abstract_type,
)
from graphql.execution import VariableValues
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from db.tenant import Caller
from domain.errors import DomainError
from domain.pagination import decode_cursor
from domain.schedules.window import within_years
from resolvers.compiled.catalog import (
    NODE_TYPES,
    ROOT_LISTS,
    SHAPES,
    WEEK_EVENT,
    Checklist,
    Paged,
    Relation,
    Shape,
    Week,
)
from resolvers.compiled.columns import Declined, Ordering
from resolvers.compiled.json_text import array, json_object, or_null, scalar
from resolvers.compiled.week_events import WeekOccurrences, occurrence_rows
from resolvers.connections import DEFAULT_PAGE_SIZE

__all__ = ["Declined", "Statement"]


# Sub-selects one statement may hold. A document expands into one per object link and connection it names,
# whatever the data, so a short document of nested fragments could ask for thousands (megabytes of SQL that
# take seconds to plan); the resolvers, which only follow the rows that exist, answer those instead. The
# dashboard needs 3, a page of tasks with their project, assignee and checklist 4.
MAX_SUBQUERIES = 40
# Statement text beyond this is declined as well (a statement is also kept in memory, see reads.py).
MAX_SQL_CHARS = 32_768
# The alias a page's cursor is first written over; each `__picked.column` then becomes that column of one row.
_PICKED = "__picked"
_COLUMN_OF_PICKED = re.compile(rf"{_PICKED}\.(\w+)")
_SIZE_PARAMETER = re.compile(r"\$(\d+)::int\b")

FieldNodes = list[FieldNode]


class Statement:
    """The SQL of one operation, and its parameters in order."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
        caller: Caller,
        max_page_size: int,
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._variables = variables
        self._caller = caller
        self._max_page_size = max_page_size
        self._aliases = itertools.count()
        self.params: list[Any] = []
        # The 0-based positions in `params` of page sizes.
        self._sizes: set[int] = set()

    def render(self, operation: OperationDefinitionNode) -> str:
        fields = self.collect([operation.selection_set], "Query")
        parts = [(key, self._root_field(nodes)) for key, nodes in fields.items()]
        sql = f"SELECT {json_object(parts)}"
        if self.params and len(self._sizes) == len(self.params):
            # Only page sizes: written into the text. With a parameter in LIMIT PostgreSQL cannot cost a generic
            # plan, so a statement with no other parameter is planned again at every execution (about 0.3 ms of a
            # 0.7 ms page of notifications). Where other parameters (ids, cursors, filters) are passed, the
            # generic plan PostgreSQL would settle on with a known LIMIT can be the slower one (a project's
            # tasks sorted after a bitmap scan instead of read in order), so their sizes stay parameters.
            sql = _SIZE_PARAMETER.sub(lambda found: str(int(self.params[int(found[1]) - 1])), sql)
            self.params.clear()
        if len(sql) > MAX_SQL_CHARS:
            raise Declined("statement too long")
        return sql

    # Root fields

    def _root_field(self, nodes: FieldNodes) -> str:
        name = nodes[0].name.value
        if name == "__typename":
            return "'\"Query\"'"
        if name == "viewer":
            if self._caller.user_id is None:
                return "'null'"  # as the resolver: no person, no viewer
            # The person the transaction's settings name: the policies' own source.
            return self.object_json(SHAPES["Viewer"], "(SELECT rhythm.current_user_id())", nodes)
        if name == "node":
            return self._node(nodes)
        if name in ROOT_LISTS and not self._caller.is_anonymous:
            return self._page(ROOT_LISTS[name], "", self._field_definition("Query", name), nodes)
        raise Declined(name)

    def _node(self, nodes: FieldNodes) -> str:
        arguments = self._arguments("Query", nodes[0])
        try:
            global_id = relay.GlobalID.from_id(arguments["id"])
            row_id = uuid.UUID(global_id.node_id)
        except (GlobalIDValueError, ValueError, TypeError):
            raise Declined("node id") from None
        if global_id.type_name not in NODE_TYPES:
            raise Declined(global_id.type_name)
        shape = SHAPES[global_id.type_name]
        alias = self._alias()
        found = self.object_json(shape, alias, nodes)
        return or_null(f"(SELECT {found} FROM {shape.table} {alias} WHERE {alias}.id = {self._param(row_id)})")

    # Objects and their fields

    def object_json(self, shape: Shape, alias: str, nodes: FieldNodes) -> str:
        def field(name: str, field_nodes: FieldNodes) -> str:
            if name in shape.scalars:
                return scalar(shape.scalars[name](alias))
            if name in shape.links:
                return self._link(shape, name, alias, field_nodes)
            raise Declined(f"{shape.type_name}.{name}")

        return self.fields_json(shape.type_name, nodes, field)

    def fields_json(self, type_name: str, nodes: FieldNodes, field: Callable[[str, FieldNodes], str]) -> str:
        """The JSON object of the fields selected on `type_name`: its name for `__typename`, else what `field`
        renders for each (or `Declined`)."""
        parts: list[tuple[str, str]] = []
        for key, field_nodes in self.collect(_selections(nodes), type_name).items():
            name = field_nodes[0].name.value
            parts.append((key, f"'\"{type_name}\"'" if name == "__typename" else field(name, field_nodes)))
        return json_object(parts)

    def _link(self, shape: Shape, name: str, parent: str, nodes: FieldNodes) -> str:
        link = shape.links[name]
        if isinstance(link, Paged):
            return self._page(link, parent, self._field_definition(shape.type_name, name), nodes)
        if isinstance(link, Week):
            return self._week(link, parent, self._field_definition(shape.type_name, name), nodes)
        target = SHAPES[link.target]
        alias = self._alias()
        found = self.object_json(target, alias, nodes)
        if isinstance(link, Relation):
            return or_null(f"(SELECT {found} FROM {target.table} {alias} WHERE {link.join(alias, parent)})")
        assert isinstance(link, Checklist)
        return (
            f"(SELECT {array(found, link.order(alias))} FROM {target.table} {alias} WHERE {link.join(alias, parent)})"
        )

    # The week

    def _week(self, week: Week, person: str, definition: Any, nodes: FieldNodes) -> str:
        arguments = self._arguments_of(definition, nodes[0])
        start, days = arguments.get("start"), arguments.get("days")
        if not isinstance(start, datetime) or start.tzinfo is None:
            # None: this Monday in the person's zone, by the resolver's clock (a kept statement would go stale).
            raise Declined("week without an instant to start")
        if not isinstance(days, int) or not 1 <= days <= 31:
            raise Declined("days")  # the resolvers report it
        if not within_years(start):
            raise Declined("start")  # the resolvers report it
        try:
            end = start + timedelta(days=days)  # as the resolver adds them: on the given offset's clock
        except OverflowError:
            raise Declined("days") from None
        instant = self._schema.get_type("DateTime")
        assert isinstance(instant, GraphQLScalarType)
        target = SHAPES[week.target]

        def field(name: str, field_nodes: FieldNodes) -> str:
            if name in ("start", "end"):
                # As the DateTime scalar writes the resolver's value (in UTC), as JSON text.
                text = instant.serialize(start if name == "start" else end)
                return self._param(orjson.dumps(text).decode())
            if name == "blocks":
                alias = self._alias()
                found = self.object_json(target, alias, field_nodes)
                window = (
                    f"{alias}.user_id = {person} AND {alias}.starts_at < {self._param(end)}"
                    f" AND {alias}.ends_at > {self._param(start)}"
                )
                order = f"{alias}.starts_at, {alias}.id"
                return f"(SELECT {array(found, order)} FROM {target.table} {alias} WHERE {window})"
            if name == "events":
                alias, record = self._alias(), self._alias()
                found = self.object_json(WEEK_EVENT, alias, field_nodes)
                rows = occurrence_rows(self._param(WeekOccurrences(start, end)), record, alias)
                return f"(SELECT {array(found, f'{record}.n')} FROM {rows})"
            raise Declined(f"{week.type_name}.{name}")

        return self.fields_json(week.type_name, nodes, field)

    # Connections

    def _page(self, paged: Paged, parent: str, definition: Any, nodes: FieldNodes) -> str:
        arguments = self._arguments_of(definition, nodes[0])
        first, after = arguments.pop("first", None), arguments.pop("after", None)
        last, before = arguments.pop("last", None), arguments.pop("before", None)
        backward = last is not None or before is not None
        if backward and (first is not None or after is not None):
            raise Declined("first and last")  # the resolvers report it
        size = first if not backward else last
        size = DEFAULT_PAGE_SIZE if size is None else size
        if not 0 <= size <= self._max_page_size:
            raise Declined("first")
        cursor = (before if backward else after) or None
        target = SHAPES[paged.target]
        alias = self._alias()
        conditions = [] if paged.join is None else [paged.join(alias, parent)]
        ordering = paged.ordering
        if paged.arguments is not None:
            ordering, more = paged.arguments(arguments)
            conditions += [condition(alias, self._param) for condition in more]
        for name, value in arguments.items():
            if value is None:
                continue
            if name not in paged.filters:
                raise Declined(name)
            conditions.append(paged.filters[name](alias, self._param(value)))
        keys = [column.expression(alias) for column in ordering.columns]
        descending = ordering.sort.descending
        order, reverse = ", ".join(keys), ", ".join(f"{key} DESC" for key in keys)
        if descending:
            order, reverse = reverse, order
        if cursor is not None:
            try:
                values = decode_cursor(ordering.sort, cursor)
            except DomainError:
                raise Declined("cursor") from None
            given = ", ".join(self._param(value) for value in values)
            # As domain.pagination reads it: the larger keys when ascending forward or descending backward.
            conditions.append(f"({', '.join(keys)}) {'>' if descending == backward else '<'} ({given})")
        connection = get_named_type(definition.type)
        assert isinstance(connection, GraphQLObjectType)
        page = _PageParts(self, ordering, paged.target, connection, alias, self._size(size), cursor, backward)
        connection_json = page.connection(nodes)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        limit = f"{page.first} + 1" if page.needs_more else page.first
        # Read nearest the cursor first (backward: in reverse), numbered after the LIMIT: a window over the whole
        # list would sort all of it, not keep the top rows. `__n` is the list's order; backward, `__r` is the
        # distance from the cursor, and the row beyond the page is the first in the list's order.
        page_rows = (
            f"SELECT {alias}.* FROM {target.table} {alias}{where}"
            f" ORDER BY {reverse if backward else order} LIMIT {limit}"
        )
        distance = f", row_number() OVER (ORDER BY {reverse}) AS __r" if backward else ""
        rows = f"SELECT {alias}.*, row_number() OVER (ORDER BY {order}) AS __n{distance} FROM ({page_rows}) {alias}"
        return f"(SELECT {connection_json} FROM ({rows}) {alias})"

    def cursor(self, ordering: Ordering, alias: str) -> str:
        """`domain.pagination.encode_cursor` of the row `alias`: URL-safe base64 of the JSON list [ordering name,
        *values]."""
        return _encoded_cursor(ordering, [column.cursor_text(alias) for column in ordering.columns])

    def picked_cursor(self, ordering: Ordering, picked: Callable[[str], str]) -> str:
        """`cursor` of a row whose every column the ordering reads is `picked(column name)`."""
        texts = [column.cursor_text(_PICKED) for column in ordering.columns]
        return _encoded_cursor(ordering, [_COLUMN_OF_PICKED.sub(lambda found: picked(found[1]), t) for t in texts])

    # GraphQL plumbing

    def collect(self, selection_sets: Iterable[SelectionSetNode], type_name: str) -> dict[str, FieldNodes]:
        """The fields selected on an object of `type_name`, by response key, as graphql-core collects them."""
        fields: dict[str, FieldNodes] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self._applies(selection.type_condition, type_name):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self._fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self._applies(fragment.type_condition, type_name):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            visit(selection_set)
        return fields

    def _included(self, selection: SelectionNode) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                raise Declined(f"@{name}")
            condition = next((arg.value for arg in directive.arguments or () if arg.name.value == "if"), None)
            if isinstance(condition, BooleanValueNode):
                value = condition.value
            elif isinstance(condition, VariableNode):
                given = self._variables.coerced.get(condition.name.value)
                if not isinstance(given, bool):
                    raise Declined(f"@{name}")  # null: the executor reports the non-null `if`
                value = given
            else:
                raise Declined(f"@{name}")
            if value == (name == "skip"):
                return False
        return True

    def _applies(self, condition: NamedTypeNode | None, type_name: str) -> bool:
        if condition is None or condition.name.value == type_name:
            return True
        abstract = self._schema.get_type(condition.name.value)
        runtime = self._schema.get_type(type_name)
        return (
            is_abstract_type(abstract)
            and isinstance(runtime, GraphQLObjectType)
            and self._schema.is_sub_type(abstract, runtime)
        )

    def _field_definition(self, type_name: str, name: str) -> Any:
        parent = self._schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        return parent.fields[name]

    def _arguments(self, type_name: str, node: FieldNode) -> dict[str, Any]:
        return self._arguments_of(self._field_definition(type_name, node.name.value), node)

    def _arguments_of(self, definition: Any, node: FieldNode) -> dict[str, Any]:
        try:
            return dict(get_argument_values(definition, node, self._variables))
        except GraphQLError:
            raise Declined("arguments") from None

    def _param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}::{_sql_type(value)}"

    def _size(self, size: int) -> str:
        self._sizes.add(len(self.params))
        return self._param(size)

    def _alias(self) -> str:
        number = next(self._aliases)
        if number >= MAX_SUBQUERIES:
            raise Declined("too many nested selections")
        return f"x{number}"


def _encoded_cursor(ordering: Ordering, texts: list[str]) -> str:
    values = " || '\",\"' || ".join(f"({text})" for text in texts)
    payload = f"""'["{ordering.sort.name}","' || {values} || '"]'"""
    return f"translate(encode(convert_to({payload}, 'UTF8'), 'base64'), E'+/\\n', '-_')"


class _PageParts:
    """The fields of one connection: nodes, edges and page info, over the page's numbered rows."""

    def __init__(
        self,
        statement: Statement,
        ordering: Ordering,
        target: str,
        connection: GraphQLObjectType,
        alias: str,
        first: str,
        cursor: str | None,
        backward: bool,
    ) -> None:
        self._statement = statement
        self._ordering = ordering
        self._target = SHAPES[target]
        self._connection = connection.name
        self._edge_type = get_named_type(connection.fields["edges"].type).name
        self._alias = alias
        self.first = first
        self._cursor = cursor is not None
        self._backward = backward
        # Whether a row beyond the page is read, to tell whether more follow (or, backward, precede).
        self.needs_more = False
        # Whether any field aggregates the page's rows: without one, the select would return a row per row.
        self._aggregates = False

    def connection(self, nodes: FieldNodes) -> str:
        def field(name: str, field_nodes: FieldNodes) -> str:
            if name == "nodes":
                return self._list(self._statement.object_json(self._target, self._alias, field_nodes))
            if name == "edges":
                return self._list(self._edge(field_nodes))
            if name == "pageInfo":
                return self._page_info(field_nodes)
            raise Declined(name)

        rendered = self._statement.fields_json(self._connection, nodes, field)
        if not self._aggregates:
            raise Declined("a connection without nodes, edges or a page cursor")
        return rendered

    def _list(self, item: str) -> str:
        self._aggregates = True
        return array(item, f"{self._alias}.__n", self._in_page)

    @property
    def _in_page(self) -> str:
        return f"{self._alias}.{'__r' if self._backward else '__n'} <= {self.first}"

    def _edge(self, nodes: FieldNodes) -> str:
        def field(name: str, field_nodes: FieldNodes) -> str:
            if name == "cursor":
                return scalar(self._statement.cursor(self._ordering, self._alias))
            if name == "node":
                return self._statement.object_json(self._target, self._alias, field_nodes)
            raise Declined(name)

        return self._statement.fields_json(self._edge_type, nodes, field)

    def _picked(self, order: str) -> Callable[[str], str]:
        """A column of the page's first row in `order`, as an aggregate over the page: the cursor is written for that
        one row, not for every row of the page (its text costs more than the rest of a row)."""

        def picked(name: str) -> str:
            return f"(array_agg({self._alias}.{name} ORDER BY {order}) FILTER (WHERE {self._in_page}))[1]"

        return picked

    def _page_info(self, nodes: FieldNodes) -> str:
        def field(name: str, _: FieldNodes) -> str:
            if name == ("hasPreviousPage" if self._backward else "hasNextPage"):
                self.needs_more = self._aggregates = True
                return f"(count(*) > {self.first})::text"
            if name in ("hasNextPage", "hasPreviousPage"):
                return "'true'" if self._cursor else "'false'"
            if name in ("startCursor", "endCursor"):
                order = f"{self._alias}.__n{'' if name == 'startCursor' else ' DESC'}"
                self._aggregates = True
                return scalar(self._statement.picked_cursor(self._ordering, self._picked(order)))
            raise Declined(name)

        return self._statement.fields_json("PageInfo", nodes, field)


def _selections(nodes: FieldNodes) -> list[SelectionSetNode]:
    return [node.selection_set for node in nodes if node.selection_set is not None]


def _sql_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, uuid.UUID):
        return "uuid"
    if isinstance(value, datetime):
        return "timestamptz"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return "text[]"
    if isinstance(value, WeekOccurrences):
        return "json"
    raise Declined(f"a parameter of type {type(value).__name__}")
