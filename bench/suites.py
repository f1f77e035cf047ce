"""Scenario suites beyond the list/search/360° ones: each capability adds its own module here.

A suite is `suite(ctx, size, database, log_dir) -> list[Result]`, run after the core scenarios on the
same dataset, inside the bench workspace. Keep each suite in its own module (`bench/<capability>.py`)
and list it below; a suite that changes data must leave the dataset as it found it or idempotent.
"""

import os

from .api import api_suite
from .custom_fields import custom_fields_suite
from .exports import export_suite
from .imports import imports

SUITES = {"custom_fields": custom_fields_suite, "api": api_suite, "imports": imports, "exports": export_suite}


def chosen(name: str) -> bool:
    """`BENCH_ONLY=core,api` runs only those parts ("core": the list, search, 360° and bulk scenarios)."""
    only = {part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()}
    return not only or name in only
