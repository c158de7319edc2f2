"""Answering a write without the executor: the same domain function, the row it returns rendered in Python.

A document qualifies when its operation is a mutation whose only root field is one of `WRITES` (the task writes,
startTimer) and whose payload selects the written object's own columns (`__typename`, `id`, `title`, `status`
...) through the union, with no directive and no relation. The arguments are coerced and converted as the
executor would, the write runs in the operation's transaction as the resolver runs it (the caller settings, the
policies, the outbox event), and the payload is rendered from the row with the schema's own serializers.

Only success is answered here. When the write raises (a typed error, a refusal, anything), its transaction is
rolled back and the executor answers the request from the start, so errors keep the resolvers' exact words and
the typed-error union; nothing of the first attempt was committed. Past the time budget, or when the database is
out of reach, the answer is what the executor gives then, without running the write again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_operation_ast,
    get_variable_values,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_argument_values
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionResult
from strawberry.types.field import StrawberryField

from db.tenant import Caller, CommitUnknown
from domain.errors import DomainError
from resolvers.compiled.arguments import PlannedArguments
from resolvers.compiled.outcomes import answer_to_failure, commit, commit_failed, timed_out
from resolvers.context import Context
from resolvers.document_cost import endless_spreads, too_costly
from resolvers.extensions import MAX_KEPT_QUERY_CHARS, document_key
from resolvers.field_count import too_complex
from resolvers.recent import Recent
from resolvers.schema import RhythmSchema
from resolvers.tasks.mutations import TASK_WRITES, TASK_WRITES_ON
from resolvers.tasks.types import Task
from resolvers.time_tracking.mutations import started_timer, started_timer_on
from resolvers.time_tracking.types import TimeEntry

# How one selected field is rendered: from the object the resolver returns (Task, TimeEntry) to the JSON value.
Render = Callable[[Any], object]


@dataclass(frozen=True, slots=True)
class Write:
    """A mutation compiled mutations run: the resolver's own write, and the object type it answers with."""

    run: Callable[[AsyncSession, Caller, Any], Awaitable[Any]]
    type_name: str
    to_object: Callable[[Any], Any]  # the row as the resolver returns it (`from_model`)
    # The same write straight through the driver (db.tenant.write_as), where there is one: None back where `run`
    # would raise a typed error.
    run_on: Callable[[asyncpg.Connection, Caller, Any], Awaitable[Any]] | None = None


WRITES: dict[str, Write] = {
    **{name: Write(write, "Task", Task.from_model, TASK_WRITES_ON.get(name)) for name, write in TASK_WRITES.items()},
    "startTimer": Write(started_timer, "TimeEntry", TimeEntry.from_model, started_timer_on),
}


class _Declined(Exception):
    """The write straight through the driver changed nothing: the executor answers (and words why)."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A mutation document compiled mutations answer: its root field, and how to render the task it returns."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    name: str | None  # the operation's name, for metrics and the span
    response_key: str  # the root field's alias, or its name
    node: FieldNode
    field: GraphQLField
    arguments: PlannedArguments  # converts the field's arguments as the executor does
    write: Write
    payload: tuple[tuple[str, Render], ...]  # response keys in the executor's order


class CompiledMutations:
    """Answers the task mutations it covers without the executor; counts what it answered and declined."""

    def __init__(self, schema: RhythmSchema, max_documents: int = 256) -> None:
        self._strawberry = schema
        self._schema: GraphQLSchema = schema._schema
        # As compiled reads validate: the executor's rules, then the two Strawberry adds itself.
        executor_rules = (*specified_rules, *schema.limit_rules)
        self._rules = (*executor_rules, MaybeNullValidationRule, OneOfInputValidationRule)
        self._executor_rules = executor_rules
        self._max_tokens = schema.limits.max_tokens
        self._max_fields = schema.limits.max_fields
        self._cost = schema.limits.cost
        self._operation_seconds = schema.limits.operation_seconds
        self._valid_documents = schema.valid_documents
        self._planned: dict[str, PlannedArguments] = {}
        self._documents: Recent[tuple[str, str | None], Prepared | None] = Recent(max_documents)
        self._renders = {write.type_name: _renders(self._schema, write.type_name) for write in WRITES.values()}
        self.answered = 0
        self.declined = 0

    def covers(self, query: str | None, operation_name: str | None) -> Prepared | None:
        """The prepared document when compiled mutations may answer it; None for the executor."""
        if query is None or len(query) > MAX_KEPT_QUERY_CHARS or "mutation" not in query:
            return None  # a query is not parsed here, nor kept: compiled reads or the executor take it
        return self._documents.get_or_make((query, operation_name), lambda: self._prepare(query, operation_name))

    async def execute(
        self, context: Context, prepared: Prepared, variables: dict[str, object] | None
    ) -> ExecutionResult | None:
        """The operation's result, or None when the executor must answer it (nothing it started was kept)."""
        caller = context.caller
        input = None if caller.is_anonymous else self._input(prepared, variables or {})
        if input is None:
            self.declined += 1
            return None
        transaction = context.transaction
        seconds = self._operation_seconds
        run_on = prepared.write.run_on
        if run_on is not None and not transaction.opened:
            return await self._execute_on_driver(context, prepared, run_on, input)
        try:
            async with asyncio.timeout(seconds) as budget, transaction.exclusive_session() as session:
                row = await prepared.write.run(session, caller, input)
                payload = _rendered(prepared.payload, prepared.write.to_object(row))
        except TimeoutError:
            if not budget.expired():
                raise
            return await timed_out(context, seconds)
        except DomainError:
            # The executor answers with the typed error, its words and its union member.
            await _roll_back(context)
            self.declined += 1
            return None
        except (SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            answer = await answer_to_failure(context, error, seconds, "compiled_mutation")
            if answer is not None:
                return answer
            await _roll_back(context)
            self.declined += 1
            return None
        except Exception:
            await _roll_back(context)
            self.declined += 1
            return None
        failed = await commit(context)
        if failed is not None:
            return failed
        self.answered += 1
        return ExecutionResult(data={prepared.response_key: payload}, errors=None)

    async def _execute_on_driver(
        self,
        context: Context,
        prepared: Prepared,
        run_on: Callable[[asyncpg.Connection, Caller, Any], Awaitable[Any]],
        input: Any,
    ) -> ExecutionResult | None:
        """`execute` for a write that runs straight through the driver, in a transaction of its own: BEGIN with the
        caller settings in one message, the write's statements, COMMIT. The session and its connection wrappers
        cost a small write more CPU than its statements."""
        caller = context.caller

        async def write(connection: asyncpg.Connection) -> Any:
            row = await run_on(connection, caller, input)
            if row is None:
                raise _Declined()  # rolls the transaction back
            return row

        seconds = self._operation_seconds
        try:
            async with asyncio.timeout(seconds) as budget:
                row = await context.transaction.write(write)
        except TimeoutError:
            if not budget.expired():
                raise
            return await timed_out(context, seconds)
        except CommitUnknown as failure:
            return commit_failed(context, failure.__cause__ or failure)
        except (_Declined, DomainError):
            self.declined += 1
            return None
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            answer = await answer_to_failure(context, error, seconds, "compiled_mutation")
            if answer is not None:
                return answer
            self.declined += 1  # a refused value, say: rolled back, and the executor words it
            return None
        except Exception:
            self.declined += 1
            return None
        payload = _rendered(prepared.payload, prepared.write.to_object(row))
        self.answered += 1
        return ExecutionResult(data={prepared.response_key: payload}, errors=None)

    def _input(self, prepared: Prepared, inputs: dict[str, object]) -> Any:
        """The mutation's `input` as the resolver receives it; None when the executor must report a problem."""
        variables = get_variable_values(self._schema, prepared.operation.variable_definitions or (), inputs)
        if isinstance(variables, list):
            return None
        try:
            values = get_argument_values(prepared.field, prepared.node, variables)
            converted = prepared.arguments(values)
        except Exception:
            return None  # a malformed id or value: the executor words the error
        return converted.get("input")

    def _prepare(self, query: str, operation_name: str | None) -> Prepared | None:
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError:
            return None
        if too_complex(document, self._max_fields) or endless_spreads(document):
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.MUTATION:
            return None
        if validate(self._schema, document, self._rules):
            return None
        # Valid: should the executor answer it after all, it parses and validates nothing again.
        key = document_key(query, {"max_tokens": self._max_tokens}, self._executor_rules)
        self._valid_documents.put(key, document)
        prepared = self._compile(document, operation)
        # The aliases and cost limits, once: with no page argument anywhere (a task's columns only), the
        # variables cannot change either.
        if prepared is None or too_costly([operation], prepared.fragments, {}, self._cost) is not None:
            return None
        return prepared

    def _compile(self, document: DocumentNode, operation: OperationDefinitionNode) -> Prepared | None:
        roots = operation.selection_set.selections
        if len(roots) != 1 or not isinstance(roots[0], FieldNode) or _has_directives(document):
            return None
        node = roots[0]
        write = WRITES.get(node.name.value)
        mutation_type = self._schema.mutation_type
        if write is None or mutation_type is None or node.selection_set is None:
            return None
        field = mutation_type.fields[node.name.value]
        definition = field.extensions.get("strawberry-definition")
        if not isinstance(definition, StrawberryField):
            return None
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        object_type = self._schema.get_type(write.type_name)
        assert isinstance(object_type, GraphQLObjectType)
        payload: dict[str, Render] = {}
        if not self._collect(node.selection_set, fragments, object_type, payload):
            return None
        return Prepared(
            operation=operation,
            fragments=fragments,
            name=operation.name.value if operation.name else None,
            response_key=node.alias.value if node.alias else node.name.value,
            node=node,
            field=field,
            arguments=self._arguments_of(definition),
            write=write,
            payload=tuple(payload.items()),
        )

    def _arguments_of(self, definition: StrawberryField) -> PlannedArguments:
        """One plan per mutation field, shared by every document that calls it."""
        planned = self._planned.get(definition.python_name)
        if planned is None:
            registry = self._strawberry.schema_converter.scalar_registry
            planned = PlannedArguments(list(definition.arguments), registry, self._strawberry.config)
            self._planned[definition.python_name] = planned
        return planned

    def _collect(
        self,
        selections: SelectionSetNode,
        fragments: dict[str, FragmentDefinitionNode],
        object_type: GraphQLObjectType,
        payload: dict[str, Render],
    ) -> bool:
        """The object's fields in the order the executor collects them (first occurrence of a response key wins);
        False when a field is one compiled mutations do not render."""
        renders = self._renders[object_type.name]
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is not None:
                    return False
                render = renders.get(selection.name.value)
                if render is None:
                    return False
                payload.setdefault(selection.alias.value if selection.alias else selection.name.value, render)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                applies = condition is None or self._applies(condition.name.value, object_type)
                if applies and not self._collect(selection.selection_set, fragments, object_type, payload):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                applies = self._applies(fragment.type_condition.name.value, object_type)
                if applies and not self._collect(fragment.selection_set, fragments, object_type, payload):
                    return False
        return True

    def _applies(self, type_name: str, object_type: GraphQLObjectType) -> bool:
        """Whether a fragment on `type_name` applies to the object (the type itself, its union, its interfaces)."""
        named = self._schema.get_type(type_name)
        if named is object_type:
            return True
        return isinstance(named, GraphQLUnionType | GraphQLInterfaceType) and self._schema.is_sub_type(
            named, object_type
        )

    def operation_name(self, prepared: Prepared, operation_name: str | None) -> str | None:
        return operation_name or prepared.name


def _has_directives(document: DocumentNode) -> bool:
    """Whether anything in the document carries a directive (@skip, @include): the executor weighs those."""
    pending: list[Any] = list(document.definitions)
    while pending:
        node = pending.pop()
        if getattr(node, "directives", None):
            return True
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return False


def _rendered(payload: tuple[tuple[str, Render], ...], row: Any) -> dict[str, object]:
    return {key: render(row) for key, render in payload}


def _renders(schema: GraphQLSchema, type_name: str) -> dict[str, Render]:
    """Per field of the type, how the executor renders it when the field is a plain attribute of the object: the
    value through the type's own serializer (an enum's name, an instant's ISO text), element by element for a
    list; the relay id as its global id. Fields with resolvers of their own (relations, `running`) are not
    here."""
    object_type = schema.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    renders: dict[str, Render] = {
        "__typename": lambda _row: type_name,
        "id": lambda row: relay.to_base64(type_name, row.id),
    }
    for name, field in object_type.fields.items():
        definition = field.extensions.get("strawberry-definition")
        if name in renders or not isinstance(definition, StrawberryField) or definition.base_resolver is not None:
            continue
        render = _leaf_render(definition.python_name, field.type)
        if render is not None:
            renders[name] = render
    return renders


def _leaf_render(attribute: str, graphql_type: GraphQLType) -> Render | None:
    nullable = not isinstance(graphql_type, GraphQLNonNull)
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(inner, GraphQLLeafType):
        serialize = inner.serialize

        def leaf(row: Any) -> object:
            value = getattr(row, attribute)
            return None if value is None and nullable else serialize(value)

        return leaf
    if isinstance(inner, GraphQLList):
        element = inner.of_type
        element_nullable = not isinstance(element, GraphQLNonNull)
        element = element.of_type if isinstance(element, GraphQLNonNull) else element
        if not isinstance(element, GraphQLLeafType):
            return None
        serialize_element = element.serialize

        def leaves(row: Any) -> object:
            values = getattr(row, attribute)
            if values is None and nullable:
                return None
            return [None if v is None and element_nullable else serialize_element(v) for v in values]

        return leaves
    return None


async def _roll_back(context: Context) -> None:
    with contextlib.suppress(SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        await context.transaction.finish(commit=False)
