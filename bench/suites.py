"""Scenario suites beyond the list/search/360° ones: each capability adds its own module here.

A suite is `suite(ctx, size, database, log_dir) -> list[Result]`, run after the core scenarios on the
same dataset, inside the bench workspace. Keep each suite in its own module (`bench/<capability>.py`)
and list it below; a suite that changes data must leave the dataset as it found it or idempotent.
"""

from .api import api_suite
from .custom_fields import custom_fields_suite
from .exports import export_suite
from .imports import imports

SUITES: list = [custom_fields_suite, api_suite, imports, export_suite]
