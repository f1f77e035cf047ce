"""Python's cycle collector paused around work that builds many objects that stay alive until it ends.

A sync page, a 1,000-record bulk write or an import batch builds tens of thousands of dicts, lists, forms and
model instances, alive until the work ends. Every pass of the collector meanwhile walks them again and moves
them to older generations, so passes over ever more objects come ever more often: about 40 % of a sync
replay's CPU time, a third of a bulk write's, a fifth of an import batch's. The garbage cycles this work
leaves are collected once it ends, with those made meanwhile elsewhere (other threads of the process).
"""

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Resumed afterwards, also on an error — unless it was already off. Also a decorator."""
    pause = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
