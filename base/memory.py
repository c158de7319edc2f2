"""Giving memory back to the system once many connections have ended.

`rhythm serve` raises the collector's thresholds (app.main.settle_heap), which is right for requests but leaves
the reference cycles of closed WebSockets (their tasks, futures and buffers point at each other) uncollected
for a long time: an API process kept 80 MB or more after a thousand subscribers had left. A full collection frees
them; glibc then keeps the freed pages in its heap unless asked to hand back what it can.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _trim() -> object | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    return getattr(library, "malloc_trim", None)


def give_back() -> None:
    """A full collection, then the C heap's free pages returned to the system where the C library can."""
    gc.collect()
    trim = _trim()
    if callable(trim):
        trim(0)
