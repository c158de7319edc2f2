"""Which GraphQL fields compiled reads answer, and the SQL each one reads.

Each expression renders a field exactly as the resolvers serialize it: global ids as base64 of `Type:uuid`,
enums by name, instants as Python's `isoformat()` in UTC. A type or field missing here is not compiled: the
document goes to the full executor. Lists use the orderings (and cursor names) of `domain.reads` and
`domain.tasks.queries`, so a cursor from either executor continues the other's list.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from db.models import CalendarSource, MembershipRole, NotificationType, TaskPriority, TaskStatus
from domain.companies.queries import COMPANY_ORDER, MEMBER_ORDER
from domain.notifications.queries import NEWEST_FIRST
from domain.planner import BlockState, Response, Transparency, WorkKind
from domain.planner.habits import Period
from domain.projects.queries import PROJECT_ORDER
from domain.schedules.queries import CALENDAR_ORDER, EVENT_ORDER
from domain.time_tracking.queries import RECENT_FIRST
from resolvers.compiled.columns import (
    Condition,
    Expr,
    Join,
    ListArguments,
    Ordering,
    column,
    instant,
    instant_of,
    plain_columns,
)
from resolvers.compiled.task_lists import task_list_arguments, task_ordering
from resolvers.notifications.types import TASK_TYPES


def global_id(type_name: str, name: str = "id") -> Expr:
    # Base64 wraps lines at 76 characters; a type name and a uuid stay shorter, the translate makes sure.
    return lambda alias: (
        f"translate(encode(convert_to('{type_name}:' || {alias}.{name}, 'UTF8'), 'base64'), E'\\n', '')"
    )


def enum_name(name: str, members: type[enum.Enum]) -> Expr:
    """Strawberry serializes an enum by its member's name; the table stores its value."""

    def render(alias: str) -> str:
        cases = " ".join(f"WHEN {_literal(member.value)} THEN '{member.name}'" for member in members)
        return f"CASE {alias}.{name} {cases} END"

    return render


def clock_time(name: str) -> Expr:
    """`time.isoformat()` of a wall-clock time: microseconds only when there are any."""

    def render(alias: str) -> str:
        # On a date: to_char reads a bare time as an interval.
        moment = f"(date '2000-01-01' + {alias}.{name})"
        micro = f"to_char({moment}, 'US')"
        text = f"to_char({moment}, 'HH24:MI:SS') || CASE {micro} WHEN '000000' THEN '' ELSE '.' || {micro} END"
        return f"CASE WHEN {alias}.{name} IS NULL THEN NULL ELSE {text} END"

    return render


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Relation:
    """A field holding one row of `target` (null when none is visible)."""

    target: str
    join: Join


@dataclass(frozen=True, slots=True)
class Checklist:
    """A field holding every visible row of `target` under the parent, in a fixed order."""

    target: str
    join: Join
    order: Expr


@dataclass(frozen=True, slots=True)
class Paged:
    """A connection field: a keyset page in one ordering, `first` and `after` as the resolvers read them.

    `join` is None for the lists the policies alone narrow (the caller's companies, all their tasks).
    `filters` are the further arguments the field takes, each a condition on the row and the argument's
    parameter, applied when the argument is not null; `arguments`, when given, reads the others (filters and
    orderings that take several values). Any other argument given declines compilation.
    """

    target: str
    join: Join | None
    ordering: Ordering
    filters: Mapping[str, Join] = field(default_factory=dict)
    arguments: ListArguments | None = None


@dataclass(frozen=True, slots=True)
class Week:
    """`week(start, days)`: the window's bounds, the person's time blocks touching it and their events, in time
    order. Occurrences of recurring events are expanded in Python and reach the statement as a parameter
    (`resolvers.compiled.week_events`). Not a `week` without `start` (see `resolvers.compiled.render`): it is
    this Monday in the person's zone, by the resolver's clock.
    """

    target: str
    type_name: str
    fields: frozenset[str]


Link = Relation | Checklist | Paged | Week


@dataclass(frozen=True, slots=True)
class Shape:
    """A GraphQL object type read from one table (`table` None: the viewer, made from the caller)."""

    type_name: str
    table: str | None
    scalars: Mapping[str, Expr]
    links: Mapping[str, Link] = field(default_factory=dict)


def _by_id(target: str, parent_column: str) -> Relation:
    return Relation(target, lambda child, parent: f"{child}.id = {parent}.{parent_column}")


_CREATED = plain_columns("created_at", "id")


def _tasks_of(parent_column: str | None) -> Paged:
    """Tasks with every filter and ordering the resolvers take (`resolvers.compiled.task_lists`)."""
    join = None if parent_column is None else (lambda child, parent: f"{child}.{parent_column} = {parent}.id")
    return Paged("Task", join, task_ordering(), arguments=task_list_arguments)


def _mine(child: str, viewer: str) -> str:
    # The policies leave the caller's own; the condition says so to the planner too, as the resolvers do.
    return f"{child}.user_id = {viewer}"


_TASK_NOTIFICATIONS = ", ".join(_literal(kind.value) for kind in sorted(TASK_TYPES))


def _notification_arguments(arguments: dict[str, Any]) -> tuple[Ordering, list[Condition]]:
    unread: list[Condition] = [lambda alias, _: f"{alias}.read_at IS NULL"]
    return Ordering(NEWEST_FIRST, _CREATED), unread if arguments.pop("unreadOnly", False) else []


_COMPANIES = Paged("Company", None, Ordering(COMPANY_ORDER, _CREATED))


SHAPES: dict[str, Shape] = {
    shape.type_name: shape
    for shape in (
        Shape(
            "Viewer",
            None,
            {},
            {
                "user": Relation("User", lambda child, viewer: f"{child}.id = {viewer}"),
                "companies": _COMPANIES,
                "notifications": Paged(
                    "Notification", _mine, Ordering(NEWEST_FIRST, _CREATED), arguments=_notification_arguments
                ),
                "timeEntries": Paged("TimeEntry", _mine, Ordering(RECENT_FIRST, plain_columns("started_at", "id"))),
                "calendars": Paged(
                    "Calendar",
                    lambda child, viewer: f"{child}.owner_id = {viewer}",
                    Ordering(CALENDAR_ORDER, _CREATED),
                ),
                "week": Week("TimeBlock", "WeekView", frozenset({"start", "end", "blocks", "events"})),
            },
        ),
        Shape(
            "TimeBlock",
            "time_blocks",
            {
                "id": global_id("TimeBlock"),
                "startsAt": instant("starts_at"),
                "endsAt": instant("ends_at"),
                "state": enum_name("state", BlockState),
                "pinned": column("pinned"),
            },
            # A block's task, company and person stand while it does (foreign keys to the task and the
            # membership, in the block's company): what the resolvers require is there.
            {
                "task": _by_id("Task", "task_id"),
                "habit": _by_id("Habit", "habit_id"),
                "company": _by_id("Company", "company_id"),
                "user": _by_id("User", "user_id"),
            },
        ),
        Shape(
            "Habit",
            "habits",
            {
                "id": global_id("Habit"),
                "title": column("title"),
                "rrule": column("rrule"),
                "timeZone": column("time_zone"),
                "startsOn": column("starts_on"),
                "windowStart": clock_time("window_start"),
                "windowEnd": clock_time("window_end"),
                "idealTime": clock_time("ideal_time"),
                "durationMinutes": column("duration_minutes"),
                "timesPerPeriod": column("times_per_period"),
                "period": enum_name("period", Period),
                "priority": enum_name("priority", TaskPriority),
                "workKind": enum_name("work_kind", WorkKind),
                "active": column("active"),
                "createdAt": instant("created_at"),
            },
            # The person is a member of the habit's company (a foreign key to the membership).
            {"company": _by_id("Company", "company_id"), "user": _by_id("User", "user_id")},
        ),
        Shape(
            "Calendar",
            "calendars",
            {
                "id": global_id("Calendar"),
                "name": column("name"),
                "source": enum_name("source", CalendarSource),
                "affectsAvailability": column("affects_availability"),
                "createdAt": instant("created_at"),
                "updatedAt": instant("updated_at"),
            },
            # The owner is a member of the calendar's company (a foreign key to the membership).
            {
                "company": _by_id("Company", "company_id"),
                "owner": _by_id("User", "owner_id"),
                "events": Paged(
                    "CalendarEvent",
                    lambda child, parent: f"{child}.calendar_id = {parent}.id",
                    Ordering(EVENT_ORDER, _CREATED),
                ),
            },
        ),
        Shape(
            "CalendarEvent",
            "calendar_events",
            # The rows as they are (a series, an override, a single event); occurrences are only in `week`.
            {
                "id": global_id("CalendarEvent"),
                "title": column("title"),
                "description": column("description"),
                "location": column("location"),
                "allDay": column("all_day"),
                "startsAt": instant("starts_at"),
                "endsAt": instant("ends_at"),
                "startDate": column("start_date"),
                "endDate": column("end_date"),
                "transparency": enum_name("transparency", Transparency),
                "response": enum_name("response", Response),
                "cancelled": column("cancelled"),
                # `domain.planner.events.makes_busy` with the calendar's switch on, as the resolver reads it.
                "busy": lambda alias: (
                    f"(NOT {alias}.cancelled AND {alias}.transparency <> {_literal(Transparency.FREE.value)}"
                    f" AND {alias}.response IS DISTINCT FROM {_literal(Response.DECLINED.value)})"
                ),
                "originalStart": instant("original_start"),
                "originalDate": column("original_date"),
                "createdAt": instant("created_at"),
                "updatedAt": instant("updated_at"),
            },
            {
                "calendar": _by_id("Calendar", "calendar_id"),
                # Null when the series is out of sight, as the resolver answers.
                "series": _by_id("CalendarEvent", "recurring_event_id"),
                # The series' own row again (by its key): its rule and exceptions; null for any other event.
                "recurrence": Relation(
                    "Recurrence", lambda child, parent: f"{child}.id = {parent}.id AND {parent}.rrule IS NOT NULL"
                ),
            },
        ),
        Shape(
            "Recurrence",
            "calendar_events",
            {
                "rrule": column("rrule"),
                "timeZone": lambda alias: f"CASE WHEN {alias}.all_day THEN NULL ELSE {alias}.time_zone END",
                "exceptionStarts": lambda alias: (
                    f"ARRAY(SELECT {instant_of(lambda _: 'e.v')('e')} FROM unnest({alias}.exception_starts)"
                    " WITH ORDINALITY AS e(v, n) ORDER BY e.n)"
                ),
                "exceptionDates": column("exception_dates"),
            },
        ),
        Shape(
            "Notification",
            "notifications",
            {
                "id": global_id("Notification"),
                "type": enum_name("type", NotificationType),
                "title": column("title"),
                "body": column("body"),
                "read": lambda alias: f"{alias}.read_at IS NOT NULL",
                "readAt": instant("read_at"),
                "emailedAt": instant("emailed_at"),
                "createdAt": instant("created_at"),
            },
            # Not `company`: the resolver fails when it is out of sight, where a sub-select would say null.
            {
                "task": Relation(
                    "Task",
                    lambda child, parent: (
                        f"{child}.id = {parent}.subject_id AND {parent}.type IN ({_TASK_NOTIFICATIONS})"
                    ),
                )
            },
        ),
        Shape(
            "TimeEntry",
            "time_entries",
            # Not `durationSeconds` (the resolver's clock, not the database's) nor `company` (see Notification).
            {
                "id": global_id("TimeEntry"),
                "startedAt": instant("started_at"),
                "endedAt": instant("ended_at"),
                "note": column("note"),
                "running": lambda alias: f"{alias}.ended_at IS NULL",
            },
            {"task": _by_id("Task", "task_id"), "user": _by_id("User", "user_id")},
        ),
        Shape(
            "Company",
            "companies",
            {
                "id": global_id("Company"),
                "name": column("name"),
                "isPersonal": column("is_personal"),
                "requireSecondFactor": column("require_second_factor"),
                "createdAt": instant("created_at"),
                # The caller's own membership; null for an API key, whose settings name no person.
                "viewerRole": lambda alias: (
                    f"(SELECT {enum_name('role', MembershipRole)('m')} FROM memberships m"
                    f" WHERE m.company_id = {alias}.id AND m.user_id = (SELECT rhythm.current_user_id()))"
                ),
            },
            {
                "projects": Paged(
                    "Project",
                    lambda child, parent: f"{child}.company_id = {parent}.id",
                    Ordering(PROJECT_ORDER, _CREATED),
                    filters={"archived": lambda child, value: f"{child}.archived = {value}"},
                ),
                "members": Paged(
                    "Membership",
                    lambda child, parent: f"{child}.company_id = {parent}.id",
                    Ordering(MEMBER_ORDER, plain_columns("created_at", "user_id")),
                ),
                "tasks": _tasks_of("company_id"),
            },
        ),
        Shape(
            "Membership",
            "memberships",
            {"role": enum_name("role", MembershipRole), "joinedAt": instant("created_at")},
            {"user": _by_id("User", "user_id"), "company": _by_id("Company", "company_id")},
        ),
        Shape(
            "Project",
            "projects",
            {
                "id": global_id("Project"),
                "name": column("name"),
                "description": column("description"),
                "archived": column("archived"),
                "createdAt": instant("created_at"),
                "updatedAt": instant("updated_at"),
            },
            {"company": _by_id("Company", "company_id"), "tasks": _tasks_of("project_id")},
        ),
        Shape(
            "Task",
            "tasks",
            {
                "id": global_id("Task"),
                "title": column("title"),
                "description": column("description"),
                "status": enum_name("status", TaskStatus),
                "priority": enum_name("priority", TaskPriority),
                "effort": column("effort"),
                "estimatedMinutes": column("estimated_minutes"),
                "dueAt": instant("due_at"),
                "startAfter": instant("start_after"),
                "tags": column("tags"),
                "completedAt": instant("completed_at"),
                "createdAt": instant("created_at"),
                "updatedAt": instant("updated_at"),
            },
            {
                "company": _by_id("Company", "company_id"),
                "project": _by_id("Project", "project_id"),
                "assignee": _by_id("User", "assignee_id"),
                "createdBy": _by_id("User", "created_by"),
                "subtasks": Checklist(
                    "Subtask",
                    lambda child, parent: f"{child}.task_id = {parent}.id",
                    lambda alias: f"{alias}.position, {alias}.id",
                ),
            },
        ),
        Shape(
            "Subtask",
            "subtasks",
            {
                "id": global_id("Subtask"),
                "title": column("title"),
                "done": column("done"),
                "position": column("position"),
            },
            {"task": _by_id("Task", "task_id")},
        ),
        Shape(
            "User",
            "users",
            {
                "id": global_id("User"),
                "email": column("email"),
                "displayName": column("display_name"),
                "timeZone": column("time_zone"),
                "workDays": column("work_days"),
                "createdAt": instant("created_at"),
            },
        ),
    )
}

# The root lists (for signed-in callers and API keys).
ROOT_LISTS: dict[str, Paged] = {"companies": _COMPANIES, "tasks": _tasks_of(None)}

# Types `node(id)` answers from a table.
# `week`'s events: the `CalendarEvent` fields over the rows `resolvers.compiled.week_events` names, where the id
# of an unchanged occurrence of a series names the series and its original start, as the resolver's does.
WEEK_EVENT = Shape(
    "CalendarEvent",
    None,
    {**SHAPES["CalendarEvent"].scalars, "id": global_id("CalendarEvent", "node_key")},
    SHAPES["CalendarEvent"].links,
)
NODE_TYPES = frozenset(name for name, shape in SHAPES.items() if shape.table and "id" in shape.scalars)
