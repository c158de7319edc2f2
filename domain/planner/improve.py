"""The deterministic local search run after construction: cheap moves first, larger ones when stuck.

Every move is priced with the shared per-job cost and kept only when the total strictly drops, so
the search always ends and never makes a plan worse. Its budget is a count of placements.
"""

from __future__ import annotations

from domain.planner.moves import Budget, eject_pass, exchange_pass, reinsert_pass
from domain.planner.plan import Plan
from domain.planner.rebuild import make_room_pass, ruin_recreate_pass

PASSES = (reinsert_pass, exchange_pass, eject_pass, make_room_pass, ruin_recreate_pass)


def improve(plan: Plan, effort: int) -> Plan:
    """Local descent on a copy of `plan` within `effort` placements: the cheapest move first, and
    back to it after every improvement."""
    plan = plan.copy()
    budget = Budget(effort)
    step = 0
    while step < len(PASSES) and budget.left > 0:
        step = 0 if PASSES[step](plan, budget) else step + 1
    return plan
