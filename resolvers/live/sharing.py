"""Which subscriptions may share one rendered event: those whose selection reads only what every reader of the
event's company sees alike.

An event is rendered once for a group of subscribers (same document and variables, same company, same role or the
same API key scopes) as one of them, narrowed to the event's company (`rhythm.company_id`), and sent to all. That is
only sound when nothing selected depends on who the reader is: the fields below read rows of the event's company
under the company-wide read policies and nothing else. A field not listed here (the viewer's role, a prediction
made from the viewer's own history, the time blocks on people's weeks, a company's API keys) puts the subscription
on its own path, rendered as its subscriber alone, as every subscription was before. New fields are therefore
per-subscriber until someone adds them here after checking that they are not person-dependent.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

#: Type -> fields whose value is the same for every member (or every API key with the same scopes) of the
#: event's company, once the reading is narrowed to that company.
COMPANY_WIDE: dict[str, frozenset[str]] = {
    "TaskEvent": frozenset({"type", "taskId", "task"}),
    "Task": frozenset(
        [
            "id",
            "title",
            "description",
            "status",
            "priority",
            "effort",
            "estimatedMinutes",
            "dueAt",
            "startAfter",
            "tags",
            "completedAt",
            "createdAt",
            "updatedAt",
            "company",
            "project",
            "assignee",
            "createdBy",
            "subtasks",
        ]
    ),
    "Company": frozenset({"id", "name", "isPersonal", "createdAt"}),
    "Project": frozenset({"id", "name", "description", "archived", "createdAt", "updatedAt", "company"}),
    "User": frozenset({"id", "displayName", "email", "timeZone"}),
    "Subtask": frozenset({"id", "title", "done", "position", "task"}),
}


def company_wide(
    schema: GraphQLSchema,
    parent: GraphQLObjectType,
    selection: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
) -> bool:
    """Whether every field of `selection` (fragments included) on `parent` is company-wide."""
    if selection is None:
        return True
    allowed = COMPANY_WIDE.get(parent.name)
    if allowed is None:
        return False
    for node in selection.selections:
        if isinstance(node, FieldNode):
            name = node.name.value
            if name == "__typename":
                continue
            if name not in allowed or name not in parent.fields:
                return False
            child = get_named_type(parent.fields[name].type)
            if node.selection_set is not None:
                if not isinstance(child, GraphQLObjectType):
                    return False
                if not company_wide(schema, child, node.selection_set, fragments):
                    return False
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition is not None else None
            if not _on(schema, parent, condition):
                return False
            if not company_wide(schema, parent, node.selection_set, fragments):
                return False
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is None or not _on(schema, parent, fragment.type_condition.name.value):
                return False
            if not company_wide(schema, parent, fragment.selection_set, fragments):
                return False
        else:
            return False
    return True


def _on(schema: GraphQLSchema, parent: GraphQLObjectType, condition: str | None) -> bool:
    """A fragment on the parent's own type (or without a condition); anything wider is not shared."""
    return condition is None or schema.get_type(condition) is parent
