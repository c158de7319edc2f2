"""A pyinstrument profile of one bench row: warm-up requests, then `runs` of them profiled, printed as text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


async def print_profile(
    send: Callable[[int], Awaitable[object]], *, warmup: int, runs: int, title: str, show_all: bool = False,
    interval: float = 0.0002,
) -> None:  # fmt: skip
    """`send(number)` makes the row's request number `number`; library frames are folded unless `show_all`."""
    from pyinstrument import Profiler

    for number in range(warmup):
        await send(number)
    profiler = Profiler(interval=interval, async_mode="disabled")
    with profiler:
        for number in range(runs):
            await send(number)
    print(f"\nProfile of {title}, {runs} requests:")
    print(profiler.output_text(unicode=False, color=False, show_all=show_all, short_mode=False))
