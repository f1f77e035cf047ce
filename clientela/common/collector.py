"""Python's cycle collector paused around work that builds many objects that stay alive until it ends.

A sync page or a 1,000-record bulk write builds tens of thousands of dicts, lists, forms and model instances,
alive until the answer is sent. Every pass of the collector meanwhile walks them again and moves them to older
generations, so passes over ever more objects come ever more often: about 40 % of a sync replay's CPU time
and a third of a bulk write's, a fifth of an import batch's. This work makes no garbage cycles that must go before it ends; cycles made
meanwhile elsewhere (other threads of the process) are collected a little later.
"""

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Resumed afterwards, also on an error — unless it was already off."""
    pause = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
