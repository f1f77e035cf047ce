"""Spanish is complete: every translatable string in the code has a Spanish translation, compiled."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "clientela" / "locale" / "es" / "LC_MESSAGES" / "django.po"


def _entries(po_text: str):
    """(msgid, [msgstr...], flags) for each entry of a .po file (enough of the format for this check)."""
    entries, current, field = [], None, None
    for line in po_text.splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"msgid": "", "msgstr": [], "flags": ""}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("msgid "):
            field = "msgid"
            current["msgid"] = line[7:-1]
        elif line.startswith("msgstr"):
            field = "msgstr"
            current["msgstr"].append(line.split(" ", 1)[1][1:-1])
        elif line.startswith('"') and field == "msgid":
            current["msgid"] += line[1:-1]
        elif line.startswith('"') and field == "msgstr":
            current["msgstr"][-1] += line[1:-1]
    return [e for e in entries if e["msgid"]]


def test_the_catalog_has_no_untranslated_or_fuzzy_entries():
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 300
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in entries if not all(e["msgstr"])] == []


def test_the_compiled_catalog_matches_the_source():
    with open(PO.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.gettext("Log out") == "Cerrar sesión"
    for entry in _entries(PO.read_text(encoding="utf-8"))[:50] + _entries(PO.read_text(encoding="utf-8"))[-50:]:
        if "\\" not in entry["msgid"] and "msgctxt" not in entry["msgid"]:
            assert compiled.gettext(entry["msgid"]) != entry["msgid"] or entry["msgstr"][0] == entry["msgid"]


@pytest.mark.skipif(shutil.which("xgettext") is None and not os.environ.get("CI"),
                    reason="GNU gettext is needed to extract strings (required in CI)")
def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    """Extract the strings again from a copy of the code: nothing may come out untranslated."""
    copy = tmp_path / "clientela"
    shutil.copytree(ROOT / "clientela", copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "es", "--no-obsolete",
                    "--add-location", "file", "--no-wrap", "-i", "locale/*"], cwd=copy, check=True, capture_output=True)
    entries = _entries((copy / "locale" / "es" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    missing = [e["msgid"] for e in entries if "fuzzy" in e["flags"] or not all(e["msgstr"])]
    assert missing == [], "run `make messages` and translate: " + "; ".join(missing[:10])
