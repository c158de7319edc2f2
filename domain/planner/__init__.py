"""Rhythm's auto-scheduling engine: pure functions, no I/O, no clock ("now" is part of the problem).

Entry points:
- `plan(problem)` places one person's tasks around their busy time and returns a `Schedule`;
  `check_hard_constraints(problem, schedule)` re-checks any schedule; `evaluate(problem, blocks)`
  prices one with the objective every solver uses.
- `busy_intervals(events, zone, start, end)` turns calendar events from all of a person's companies
  into busy time; `expand(recurring_event, start, end)` expands RRULEs inside a horizon;
  `habit_tasks(habit, zone, start, end)` turns habits into tasks.
- `DurationModel.fit(history).predict(estimate, kind)` learns how long work really takes.
- `PlanOptions(polish=PolishOptions(...))` adds a time-limited polish: CP-SAT, after an iterated local
  search on large problems (needs the optional ortools).
"""

from domain.planner.durations import DurationModel, DurationPrediction, DurationSample
from domain.planner.engine import baseline, plan
from domain.planner.events import EventRecord, Response, Transparency, busy_intervals
from domain.planner.habits import Habit, Period, habit_tasks
from domain.planner.model import (
    BlockState,
    Deadline,
    DeadlineKind,
    Interval,
    ObjectiveWeights,
    PersonProfile,
    PlanBlock,
    Problem,
    Task,
    TimeWindow,
    WorkKind,
    week,
)
from domain.planner.objective import evaluate
from domain.planner.options import PlanOptions, PolishOptions
from domain.planner.recurrence import Occurrence, Override, RecurringEvent, expand
from domain.planner.result import (
    ObjectiveTerms,
    Quality,
    Schedule,
    ScheduledBlock,
    UnplacedReason,
    UnplacedTask,
    Violation,
    ViolationCode,
)
from domain.planner.validate import check_hard_constraints

__all__ = [
    "BlockState",
    "Deadline",
    "DeadlineKind",
    "DurationModel",
    "DurationPrediction",
    "DurationSample",
    "EventRecord",
    "Habit",
    "Interval",
    "ObjectiveTerms",
    "ObjectiveWeights",
    "Occurrence",
    "Override",
    "Period",
    "PersonProfile",
    "PlanBlock",
    "PlanOptions",
    "PolishOptions",
    "Problem",
    "Quality",
    "RecurringEvent",
    "Response",
    "Schedule",
    "ScheduledBlock",
    "Task",
    "TimeWindow",
    "Transparency",
    "UnplacedReason",
    "UnplacedTask",
    "Violation",
    "ViolationCode",
    "WorkKind",
    "baseline",
    "busy_intervals",
    "check_hard_constraints",
    "evaluate",
    "expand",
    "habit_tasks",
    "plan",
    "week",
]
