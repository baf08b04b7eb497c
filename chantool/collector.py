"""Python's cyclic garbage collector paused for the work a process ends with.

Reading and scoring a book builds millions of objects and frees almost none of them
before the work ends, few of them in cycles: the collector, run again and again as they
are made, would only walk them over and over (scoring a year's store took twice as long
with it). Reference counting still frees what the work drops. When the work ends, what
the process holds is frozen (``gc.freeze``): the collector, back on for what is left
(handing the results over, printing them), leaves it alone too, where it would otherwise
walk all of it at its next pass, and again as it grows old. Cycles among it are never
collected: the process ends soon after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the ``with`` block, then as it was, what the process holds
    frozen."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
