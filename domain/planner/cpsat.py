"""One CP-SAT solve of an instance, optionally started from a hint: what the polish, the window sweep and
the exact solve share.

ortools is an optional dependency: this module imports it only inside its functions, so the engine loads
without it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.planner.instance import Instance, Span

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

# Time for filling in a hint on the chunk variables (see _complete_hint).
HINT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class CpSatResult:
    chunks: list[list[Span]] | None  # slots per job; None when no solution was found
    objective: int | None
    bound: int
    optimal: bool
    status: str
    seconds: float


def available() -> bool:
    try:
        import ortools.sat.python.cp_model  # noqa: F401
    except ImportError:
        return False
    return True


def solve(
    instance: Instance,
    *,
    time_limit_s: float,
    workers: int = 2,
    max_chunks: int | None = None,
    hint: list[list[Span]] | None = None,
    deterministic_time: float | None = None,
) -> CpSatResult:
    from ortools.sat.python import cp_model

    from domain.planner.cpsat_model import build  # it needs ortools as soon as it loads

    started = time.perf_counter()
    built = build(instance, max_chunks=max_chunks, hint=hint)
    if hint is not None:
        # Bounded by solver work when the caller wants a repeatable result: a clock cut short on a busy machine
        # would leave a different hint.
        hint_limit = time_limit_s / 2 if deterministic_time is not None else min(HINT_SECONDS, time_limit_s / 2)
        _complete_hint(built.model, hint_limit, deterministic_time)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = deterministic_time
    status = solver.solve(built.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chunks = None
    if found:
        chunks = [
            [(solver.value(c.start), solver.value(c.end)) for c in job.chunks if solver.value(c.present)]
            for job in built.jobs
        ]
    return CpSatResult(
        chunks=chunks,
        objective=int(solver.objective_value) if found else None,
        bound=int(solver.best_objective_bound),
        optimal=status == cp_model.OPTIMAL,
        status=solver.status_name(status),
        seconds=solver.wall_time,
    )


def _complete_hint(model: cp_model.CpModel, time_limit_s: float, deterministic_time: float | None = None) -> None:
    """Turn a hint on the chunk variables into a hint on every variable.

    CP-SAT struggles to extend a partial hint on a large model (the run, lateness and peak variables
    are left for it to find), so a first, tiny solve fixes the hinted variables and fills in the rest.
    """
    from ortools.sat.python import cp_model

    filler = cp_model.CpSolver()
    filler.parameters.fix_variables_to_their_hinted_value = True
    filler.parameters.max_time_in_seconds = time_limit_s
    filler.parameters.num_workers = 1
    if deterministic_time is not None:
        filler.parameters.max_deterministic_time = deterministic_time
    if filler.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    model.clear_hints()  # type: ignore[no-untyped-call]  # ortools leaves this one unannotated
    for index in range(len(model.proto.variables)):
        variable = model.get_int_var_from_proto_index(index)
        model.add_hint(variable, filler.value(variable))
