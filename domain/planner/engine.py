"""The scheduling engine's entry points: plan a person, or run the plain baseline.

The default solver is a portfolio: several job orderings times two placement rules; the cheapest plan
by the shared objective then gets randomised restarts and a short, deterministic local search.

With a previous plan, replanning is a minimal-perturbation repair first (see repair.py): the blocks
that still fit stay, only displaced work moves. The wider search above (which also has a pass that
keeps the previous plan) runs only when the repair leaves displaced work out, and wins only when its
objective, which charges every moved block, is lower. Optionally CP-SAT polishes the result under a
time limit.
"""

from __future__ import annotations

from domain.planner.improve import improve
from domain.planner.instance import Instance, compile_problem
from domain.planner.model import Problem
from domain.planner.objective import CostModel
from domain.planner.options import PlanOptions
from domain.planner.orderings import effective_due, ordered
from domain.planner.output import to_schedule
from domain.planner.perturb import perturbed_restarts
from domain.planner.placement import Placer, Rule
from domain.planner.plan import Plan, construct
from domain.planner.polish import polish
from domain.planner.repair import displaced_work_left_out, keep_previous, repair
from domain.planner.result import Schedule

PORTFOLIO: tuple[tuple[str, Rule], ...] = (
    ("edf", Rule.BEST_FIT),
    ("weighted-due", Rule.BEST_FIT),
    ("slack", Rule.BEST_FIT),
    ("priority", Rule.BEST_FIT),
    ("deep-first", Rule.BEST_FIT),
    ("hard-first", Rule.BEST_FIT),
    ("edf", Rule.FIRST_FIT),
    ("weighted-due", Rule.FIRST_FIT),
    ("slack", Rule.FIRST_FIT),
)
# Orderings that win now and then on small problems, where one more pass costs little.
SMALL_PORTFOLIO_EXTRA: tuple[tuple[str, Rule], ...] = (
    ("wspt", Rule.BEST_FIT),
    ("largest-first", Rule.BEST_FIT),
    ("density", Rule.BEST_FIT),
    ("constrained", Rule.BEST_FIT),
)
SMALL = 30


def constructions(instance: Instance, placer: Placer) -> list[Plan]:
    due = effective_due(instance)
    members = PORTFOLIO + (SMALL_PORTFOLIO_EXTRA if len(instance.jobs) <= SMALL else ())
    plans = [
        construct(instance, placer, ordered(instance, name, due), rule, f"{name}/{rule}") for name, rule in members
    ]
    # The plain baseline is a member too, so the engine can never do worse than it.
    plans.append(baseline_plan(instance, placer))
    if any(job.previous for job in instance.jobs):
        plans.insert(0, keep_previous(instance, placer, ordered(instance, "edf", due)))
    return plans


def heuristic_plan(instance: Instance, options: PlanOptions = PlanOptions()) -> Plan:
    placer = Placer(instance, CostModel(instance))
    if not any(job.previous for job in instance.jobs):
        return wide_search(instance, placer, options)
    repaired = repair(
        instance, placer, ordered(instance, "edf", effective_due(instance)), options.effort(len(instance.jobs))
    )
    if not displaced_work_left_out(repaired):
        return repaired
    wider = wide_search(instance, placer, options)
    return wider if wider.total < repaired.total else repaired


def wide_search(instance: Instance, placer: Placer, options: PlanOptions) -> Plan:
    """Portfolio, randomised restarts and local search over every job: the plan from scratch."""
    candidates = sorted(constructions(instance, placer), key=lambda p: p.total)
    best = candidates[0]
    jobs = max(1, len(instance.jobs))
    effort = options.effort(jobs)
    rounds = int(effort * options.restart_share) // jobs
    seeded = next((p for p in candidates if p.order), None)
    if seeded is not None:
        restarted = perturbed_restarts(instance, placer, seeded.order, rounds)
        if restarted is not None and restarted.total < best.total:
            best = restarted
    polished = improve(best, effort - rounds * jobs)
    if polished.total < best.total:
        polished.strategy = f"{best.strategy}+local-search"
        best = polished
    return best


def plan(problem: Problem, options: PlanOptions = PlanOptions()) -> Schedule:
    """The engine: a schedule for one person, deterministic for a given problem and options."""
    instance = compile_problem(problem)
    schedule = to_schedule(problem, heuristic_plan(instance, options))
    if options.polish is not None:
        schedule = polish(problem, schedule, options.polish, instance)
    return schedule


def baseline_plan(instance: Instance, placer: Placer) -> Plan:
    """Earliest deadline first, each task at its earliest fit, placed whatever it costs."""
    order = ordered(instance, "edf")
    return construct(instance, placer, order, Rule.FIRST_FIT, "baseline", skip_costly=False)


def baseline(problem: Problem) -> Schedule:
    """The plain earliest-deadline first-fit schedule: the yardstick the benchmarks print."""
    instance = compile_problem(problem)
    return to_schedule(problem, baseline_plan(instance, Placer(instance, CostModel(instance))))
