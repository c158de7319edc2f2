"""Every committed event meets the areas' reactions in the order `ACTOR_MODULES` lists their modules, whichever
module some other import loaded first (workers/main.py loads the notification and webhook actors early)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from workers.broker import ACTOR_MODULES
from workers.events import REACTIONS


async def test_the_reactions_run_in_the_order_the_actor_modules_are_listed(
    client: AsyncTestClient[Litestar],
) -> None:
    # The client's app runs the jobs in process: its workers loaded the actors.
    ran = [reaction.__module__ for reaction in REACTIONS if reaction.__module__ in ACTOR_MODULES]
    assert ran == sorted(ran, key=ACTOR_MODULES.index)
    assert ran.index("workers.live.actors") < ran.index("workers.webhooks.actors")
