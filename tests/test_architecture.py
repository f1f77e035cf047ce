"""Dependencies point one way, and only named places may bypass workspace scoping."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "clientela"
# app -> apps it may import (besides itself). `api` assembles everything and may import all.
ALLOWED = {
    "common": set(),
    "workspaces": {"common"},
    "security": {"common", "workspaces"},
    "timeline": {"common", "workspaces"},
    "history": {"common", "workspaces", "security", "timeline"},
    "customization": {"common", "workspaces", "security"},
    "registry": {"common", "workspaces", "security", "customization", "history", "timeline"},
    "customers": {"common", "workspaces", "security", "registry", "history", "timeline", "notes"},
    "notes": {"common", "workspaces", "security", "registry", "timeline"},
    # The sync feed shows records exactly as the REST API does, so it builds on the API's representation.
    "integrations": {"common", "workspaces", "security", "customization", "registry", "history", "timeline",
                     "customers", "notes", "api"},
    "administration": {"common", "workspaces", "security", "customization", "registry", "history", "timeline"},
    # the import's duplicate rules (text folding) are reused by the duplicate finder
    "merging": {"common", "workspaces", "security", "customization", "registry", "history", "transfer"},
    "backup": {"common", "workspaces", "security", "customization"},  # generic: reads model metadata only
}
UNSCOPED_ALLOWED = {"security/access.py", "registry/services.py", "security/tokens.py", "registry/models.py",
                    "workspaces/models.py",
                    # custom-field indexes are shared by every workspace that has a field with that key
                    "customization/indexes.py",
                    # after-commit and background work that starts from an event, before a workspace is active
                    "integrations/outbox.py", "integrations/webhooks.py",
                    # the export task loads its job before activating the job's workspace; the purge spans all
                    "registry/export_jobs.py", "registry/tasks.py",
                    # a user's team membership changed in a signal: the teams' workspaces, whichever is active
                    "workspaces/config_cache.py"}


def _sources(app):
    for path in (ROOT / app).rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if "tests" not in parts and "migrations" not in parts:
            yield path


def _imported_apps(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name.startswith("clientela."):
                yield name.split(".")[1]


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_apps_only_import_the_layers_below_them(app):
    wrong = {f"{path.relative_to(ROOT)} imports {other}"
             for path in _sources(app) for other in _imported_apps(path)
             if other != app and other not in ALLOWED[app]}
    assert not wrong, sorted(wrong)


def test_the_unscoped_manager_is_used_only_where_reviewed():
    users = {str(path.relative_to(ROOT)) for app in ALLOWED for path in _sources(app)
             if re.search(r"\.unscoped\b", path.read_text())}
    assert users <= UNSCOPED_ALLOWED, sorted(users - UNSCOPED_ALLOWED)


WATCHED = ("Role", "SharingRule", "Team", "FieldDefinition", "Layout", "PicklistOverride")  # config_cache.watch
SIGNAL_LESS_WRITE = re.compile(rf"\b(?:{'|'.join(WATCHED)})\.(?:objects|unscoped)\b[^\n]*"
                               r"\.(?:update|bulk_create|bulk_update)\(")


def test_configuration_is_written_through_save_and_delete():
    """App servers keep a workspace's configuration between requests and learn of a change from the models'
    save and delete signals (`workspaces/config_cache.py`); a queryset `update()` or a bulk write sends none."""
    writes = {f"{path.relative_to(ROOT)}:{number}" for app in ALLOWED for path in _sources(app)
              for number, line in enumerate(path.read_text().splitlines(), start=1) if SIGNAL_LESS_WRITE.search(line)}
    assert not writes, sorted(writes)
