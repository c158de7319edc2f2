"""Answering a query with one statement, or declining so the full executor answers it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Hashable
from dataclasses import dataclass
from functools import partial

import asyncpg
import orjson
import structlog
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    get_operation_ast,
    get_variable_values,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.execution import VariableValues
from sqlalchemy.exc import SQLAlchemyError
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionResult

from db.tenant import Caller
from resolvers.compiled.catalog import ROOT_LISTS, SHAPES, Paged, Week
from resolvers.compiled.outcomes import answer_to_failure, commit, timed_out
from resolvers.compiled.render import Declined, Statement
from resolvers.compiled.week_events import WeekOccurrences
from resolvers.context import Context
from resolvers.document_cost import endless_spreads, too_costly
from resolvers.extensions import MAX_KEPT_QUERY_CHARS, document_key
from resolvers.field_count import too_complex
from resolvers.recent import Recent
from resolvers.schema import RhythmSchema
from resolvers.transaction import Transaction

log = structlog.get_logger("rhythm.graphql")

# Statements are kept only for variables this small once encoded (ids, page sizes, cursors).
MAX_KEPT_VARIABLES_BYTES = 2048


@dataclass(frozen=True, slots=True)
class Prepared:
    """A query document that parsed, validated and selects only fields compiled reads cover."""

    key: tuple[str, str | None]  # the query text and operation name it came from
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]


Rendered = tuple[str, tuple[object, ...]] | None


class CompiledReads:
    """Answers the queries it covers with one SQL statement each; counts what it answered and declined."""

    def __init__(self, schema: RhythmSchema, max_page_size: int, max_documents: int = 256) -> None:
        self._schema: GraphQLSchema = schema._schema
        # The rules Strawberry validates with (the executor's and the schema's own, then the two it adds itself),
        # so a document valid here is valid there, and kept where the executor's DocumentCache finds it.
        executor_rules = (*specified_rules, *schema.limit_rules)
        self._rules = (*executor_rules, MaybeNullValidationRule, OneOfInputValidationRule)
        self._max_tokens = schema.limits.max_tokens
        self._valid_documents = schema.valid_documents
        self._document_key = partial(document_key, parse_options={"max_tokens": self._max_tokens}, rules=executor_rules)
        self._max_fields = schema.limits.max_fields
        self._cost = schema.limits.cost
        self._operation_seconds = schema.limits.operation_seconds
        self._max_page_size = max_page_size
        self._documents: Recent[tuple[str, str | None], Prepared | GraphQLError | None] = Recent(max_documents)
        # Statements (or cost refusals) by document, caller kind and variables: a dashboard renders once.
        self._plans: Recent[Hashable, Rendered | GraphQLError] = Recent(max_documents * 4)
        self._fields = _covered_fields(self._schema)
        self.answered = 0
        self.declined = 0

    async def execute(
        self, context: Context, query: str | None, variables: dict[str, object] | None, operation_name: str | None
    ) -> ExecutionResult | None:
        """The operation's result, or None when the full executor must answer it (nothing ran yet then)."""
        prepared = None if query is None else self._prepared(query, operation_name)
        if isinstance(prepared, GraphQLError):
            # Too complex: refused here, without parsing it again for the full executor to refuse it.
            refusal = GraphQLError(
                prepared.message, extensions={**(prepared.extensions or {}), "requestId": context.request_id}
            )
            return ExecutionResult(data=None, errors=[refusal])
        plan = None if prepared is None else self._plan(prepared, context.caller, variables or {})
        if isinstance(plan, GraphQLError):
            extensions = {**(plan.extensions or {}), "requestId": context.request_id}
            return ExecutionResult(data=None, errors=[GraphQLError(plan.message, extensions=extensions)])
        sql = plan
        if sql is None:
            self.declined += 1
            return None
        transaction = context.transaction
        seconds = self._operation_seconds
        try:
            async with asyncio.timeout(seconds) as budget, transaction.lock:
                data = await transaction.read(sql[0], await _values_of(transaction, sql[1]))
        except TimeoutError:
            if not budget.expired():
                raise
            return await timed_out(context, seconds)
        # ValueError, ArithmeticError: a parameter worked out in Python (the week's events) could not be; the
        # resolvers answer.
        except (
            SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError, ValueError, ArithmeticError
        ) as error:  # fmt: skip
            answer = await answer_to_failure(context, error, seconds, "compiled_read")
            if answer is not None:
                return answer
            # A statement the tables refuse is a defect here, not the client's: the full executor answers.
            log.exception("compiled_read_failed", request_id=context.request_id)
            await transaction.finish(commit=False)
            self.declined += 1
            return None
        failed = await commit(context)
        if failed is not None:
            return failed
        self.answered += 1
        # The database wrote the JSON; the response embeds it as it is.
        return ExecutionResult(data=orjson.Fragment(data), errors=None)  # type: ignore[arg-type]

    def _plan(self, prepared: Prepared, caller: Caller, inputs: dict[str, object]) -> Rendered | GraphQLError:
        """The statement for these variables, the refusal of a document too costly with them, or None to decline.

        Kept by document, caller kind and the variables as sent: both depend on nothing else, and a client sends
        the same few variables again and again (a task's id, a page size). Checking the cost walks the whole
        document and coercing the variables walks their definitions, each as long as the rest of a small read.
        """
        try:
            values = orjson.dumps(inputs, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            values = b""
        if not values or len(values) > MAX_KEPT_VARIABLES_BYTES:
            # Not kept: a client could fill memory with large variables.
            return self._make_plan(prepared, caller, inputs)
        # What a statement depends on besides the document: whether there is a viewer, whether anyone calls.
        key = (prepared.key, caller.user_id is None, caller.is_anonymous, values)
        return self._plans.get_or_make(key, lambda: self._make_plan(prepared, caller, inputs))

    def _make_plan(self, prepared: Prepared, caller: Caller, inputs: dict[str, object]) -> Rendered | GraphQLError:
        # Checked with each request's variables, which size its pages.
        costly = too_costly([prepared.operation], prepared.fragments, inputs, self._cost)
        if costly is not None:
            return costly
        variables = get_variable_values(self._schema, prepared.operation.variable_definitions or (), inputs)
        if isinstance(variables, list):
            return None  # the full executor reports the errors
        return self._statement(prepared, variables, caller)

    def _statement(self, prepared: Prepared, variables: VariableValues, caller: Caller) -> Rendered:
        statement = Statement(self._schema, prepared.fragments, variables, caller, self._max_page_size)
        try:
            # Interned: the statements kept for one document with other variables share one text.
            return sys.intern(statement.render(prepared.operation)), tuple(statement.params)
        except Declined:
            return None

    def operation_name(self, query: str | None, operation_name: str | None) -> str | None:
        """The name of the operation a request runs, from the document this already prepared (for metrics)."""
        if operation_name or query is None:
            return operation_name
        prepared = self._prepared(query, None)
        if isinstance(prepared, Prepared) and prepared.operation.name is not None:
            return prepared.operation.name.value
        return None

    def _prepared(self, query: str, operation_name: str | None) -> Prepared | GraphQLError | None:
        if len(query) > MAX_KEPT_QUERY_CHARS:
            return self._prepare(query, operation_name)  # not kept: the cache's keys would hold it
        return self._documents.get_or_make((query, operation_name), lambda: self._prepare(query, operation_name))

    def _prepare(self, query: str, operation_name: str | None) -> Prepared | GraphQLError | None:
        """The document ready to render; the refusal of one that selects too much; None to decline it."""
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError:
            return None
        refusal = too_complex(document, self._max_fields) or endless_spreads(document)
        if refusal is not None:
            return refusal  # before validation, which expands the fragments
        if validate(self._schema, document, self._rules):
            return None
        if len(query) <= MAX_KEPT_QUERY_CHARS:
            # Valid: should the executor answer it after all, it parses and validates nothing again.
            self._valid_documents.put(self._document_key(query), document)
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        if not _selects_only(self._schema, document, self._fields):
            return None
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        return Prepared((query, operation_name), operation, fragments)


async def _values_of(transaction: Transaction, params: tuple[object, ...]) -> tuple[object, ...]:
    """The statement's parameters, those read at each execution read now (in its transaction, as its caller)."""
    if not any(isinstance(param, WeekOccurrences) for param in params):
        return params
    user_id = transaction.caller.user_id
    assert user_id is not None  # a statement reads the week of a viewer only
    session = await transaction.session()
    return tuple([
        await param.value(session, user_id) if isinstance(param, WeekOccurrences) else param for param in params
    ])  # fmt: skip


def _covered_fields(schema: GraphQLSchema) -> dict[str, frozenset[str]]:
    """Per GraphQL type, the fields compiled reads can render (`__typename` everywhere)."""
    covered: dict[str, set[str]] = {"Query": {"viewer", "node", *ROOT_LISTS}, "Node": {"id"}}
    covered["PageInfo"] = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
    for shape in SHAPES.values():
        covered[shape.type_name] = {*shape.scalars, *shape.links}
        parent = schema.get_type(shape.type_name)
        assert isinstance(parent, GraphQLObjectType)
        for name, link in shape.links.items():
            if isinstance(link, Week):
                covered[link.type_name] = set(link.fields)
            if isinstance(link, Paged):
                connection = get_named_type(parent.fields[name].type)
                assert isinstance(connection, GraphQLObjectType)
                covered[connection.name] = {"nodes", "edges", "pageInfo"}
                covered[get_named_type(connection.fields["edges"].type).name] = {"cursor", "node"}
    return {type_name: frozenset({*names, "__typename"}) for type_name, names in covered.items()}


def _selects_only(schema: GraphQLSchema, document: object, covered: dict[str, frozenset[str]]) -> bool:
    """Whether every field of the document, on every type it names, is one compiled reads cover."""
    type_info = TypeInfo(schema)
    uncovered: list[str] = []

    class Check(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = type_info.get_parent_type()
            if parent is None or node.name.value not in covered.get(parent.name, ()):
                uncovered.append(node.name.value)

    visit(document, TypeInfoVisitor(type_info, Check()))  # type: ignore[arg-type]
    return not uncovered
