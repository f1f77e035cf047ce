"""A clear message, instead of a traceback, when the database cannot be reached at start-up."""

import sys

from django.db import connection
from django.db.utils import DatabaseError

NEEDS_DATABASE = {"runserver", "migrate", "demo_data", "createsuperuser", "api_token", "purge_trash"}


def describe_database() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite file {settings['NAME']}"
    return f"{connection.vendor} database “{settings['NAME']}” at {settings.get('HOST') or 'localhost'}:" \
           f"{settings.get('PORT') or 'default port'}"


def require_database(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in NEEDS_DATABASE:
        return
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        sys.stderr.write(
            f"\nClientela cannot reach the {describe_database()}:\n  {reason}\n\n"
            "Check that the database server is running and that DATABASE_URL is right "
            "(unset DATABASE_URL to use the built-in SQLite file).\n\n"
        )
        raise SystemExit(2) from None
