"""Run a function of the project in a new process, with Django set up there first.

The process is started fresh ("spawn"), not forked: a fork would share the parent's open database
connections and whatever locks its threads held. It connects to the same databases as the parent,
also when their names were changed at run time (the test databases).
"""

import importlib
import multiprocessing
import os

CONTEXT = multiprocessing.get_context("spawn")


def _main(settings_module: str, names: dict, dotted: str, args: tuple) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    from django.conf import settings

    for alias, name in names.items():
        settings.DATABASES[alias]["NAME"] = name
    import django

    django.setup()
    module, _dot, function = dotted.rpartition(".")
    getattr(importlib.import_module(module), function)(*args)


def start(dotted: str, *args) -> multiprocessing.Process:
    """Start `dotted` (a module-level function's import path) with `args` (picklable) in a new process."""
    from django.conf import settings
    from django.db import connections

    names = {alias: connections[alias].settings_dict["NAME"] for alias in settings.DATABASES}
    process = CONTEXT.Process(target=_main, args=(settings.SETTINGS_MODULE, names, dotted, args), daemon=True)
    process.start()
    return process
