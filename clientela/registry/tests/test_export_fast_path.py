"""The fast export path writes the cells the model instances give, for the values where it takes shortcuts:
local date-times cached per day and minute (across daylight saving), formula-like and control characters,
empty values, hidden fields, and rows written a chunk at a time."""

import datetime
import io
import zoneinfo

import pytest
from django.http import QueryDict
from django.utils import formats, timezone, translation

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.registry import entities, export_cells, exports
from clientela.registry.export_jobs import export_job_run
from clientela.registry.models import ExportJob
from clientela.registry.selectors import ListQuery, record_list
from clientela.registry.visibility import entity_for
from clientela.security.models import Role
from clientela.security.roles import DEFAULT_ROLES

from . import rich_data

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
UTC = datetime.UTC
MOMENTS = [  # around Madrid's clock changes (2025-03-30 02:00 → 03:00, 2025-10-26 03:00 → 02:00) and a new year
    datetime.datetime(2025, 3, 30, 0, 59, 59, 999999, tzinfo=UTC),
    datetime.datetime(2025, 3, 30, 1, 0, tzinfo=UTC),
    datetime.datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
    datetime.datetime(2025, 10, 26, 1, 30, tzinfo=UTC),
    datetime.datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
    datetime.datetime(2025, 12, 31, 11, 0, tzinfo=UTC),
]


def _exported(user, key="contacts"):
    """(column names, fast rows, rows from model instances) of the user's whole list."""
    entity = entity_for(user, entities.get(key))
    queryset = record_list(entity, user, ListQuery.from_params(entity, QueryDict()))
    columns = exports.export_columns(entity)
    fast = list(exports.csv_rows(entity, queryset))[1:]
    reference = [exports.neutralise_row(r) for r in exports.instance_rows(entity, queryset, columns)]
    return columns, fast, reference


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["03/30/2025 1:59 a.m.", "03/30/2025 3 a.m.", "10/26/2025 2:30 a.m.", "10/26/2025 2:30 a.m.",
            "01/01/2026 midnight", "12/31/2025 noon"]),
    ("es", ["30/03/2025 01:59", "30/03/2025 03:00", "26/10/2025 02:30", "26/10/2025 02:30", "01/01/2026 00:00",
            "31/12/2025 12:00"]),
])
def test_local_dates_across_daylight_saving_read_as_on_the_page(in_acme, language, expected):
    admin = in_acme.users["admin"]
    rich_data.build(in_acme)
    for at, moment in enumerate(MOMENTS):
        contact = factories.contact(admin, first=f"Moment{at}", last="Test")
        Contact.objects.filter(pk=contact.pk).update(created_at=moment, anonymised_at=moment)

    with translation.override(language), timezone.override(MADRID):
        columns, fast, reference = _exported(admin)

    assert fast == reference
    created = {row[columns.index("name")]: row[columns.index("created_at")] for row in fast}
    assert [created[f"Moment{at} Test"] for at in range(len(MOMENTS))] == expected


@pytest.mark.parametrize("language", ["en", "es", "de", "fa", "fi", "gd", "vi"])
def test_the_cached_date_time_text_is_djangos_in_every_locale_format(language):
    moments = [m + datetime.timedelta(minutes=step) for m in MOMENTS for step in range(-61, 62, 7)]
    with translation.override(language), timezone.override(MADRID):
        text = export_cells._datetime_text()
        expected = [formats.date_format(timezone.localtime(m), "SHORT_DATETIME_FORMAT") for m in moments]
        assert [text(m) for m in moments] == expected
        assert text(None) == ""


def test_formula_starts_control_characters_and_empty_values(in_acme):
    admin = in_acme.users["admin"]
    titles = {"=1+2": "'=1+2", "+34 600": "'+34 600", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)", "\t=tab": "'\t=tab",
              "\x01=HYPERLINK(1)": "'=HYPERLINK(1)", "Line\n=two": "Line\n=two", "a\x02b": "ab", "": ""}
    for at, title in enumerate(titles):
        contact = factories.contact(admin, first=f"Title{at}", last="Test")
        Contact.objects.filter(pk=contact.pk).update(job_title=title, birthday=None, anonymised_at=None)

    columns, fast, reference = _exported(admin)

    assert fast == reference
    cells = {row[columns.index("name")]: row for row in fast}
    for at, written in enumerate(titles.values()):
        row = cells[f"Title{at} Test"]
        assert row[columns.index("job_title")] == written
        assert row[columns.index("birthday")] == row[columns.index("anonymised_at")] == ""


def test_hidden_fields_are_left_out_of_the_background_file(in_acme):
    data = rich_data.build(in_acme)
    rules = DEFAULT_ROLES["manager"].rules_json()
    rules["contacts"] = {**rules.get("contacts", rules["*"]), "fields": {"job_title": "hidden", "cf_nickname": "hidden"}}
    Role.objects.filter(workspace=in_acme, key="manager").delete()
    Role.objects.create(workspace=in_acme, key="manager", name="Manager", rules=rules)
    job = ExportJob.objects.create(workspace=in_acme, entity="contacts", created_by=in_acme.users["manager"],
                                   export_format="csv", query={}, language="en", timezone="Europe/Madrid")

    export_job_run(ExportJob.unscoped.select_related("workspace", "created_by").get(pk=job.pk))

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    text = job.file.open("rb").read().decode()
    header = text.splitlines()[0].split(",")
    assert "name" in header and "job title" not in header and "Nickname" not in header
    assert "Lucía Peña" in text and "Buyer" not in text and "SUM(A1)" not in text
    assert str(data["lucia"].pk) in text


def test_the_csv_is_written_a_chunk_at_a_time_with_progress(in_acme, monkeypatch):
    admin = in_acme.users["admin"]
    for at in range(5):
        factories.contact(admin, first=f"Chunk{at}", last="Test")
    monkeypatch.setattr(export_cells, "CHUNK", 2)
    entity = entity_for(admin, entities.get("contacts"))
    queryset = record_list(entity, admin, ListQuery.from_params(entity, QueryDict()))
    stream, reported = io.StringIO(), []

    written = exports.csv_write(entity, queryset, stream, reported.append)

    lines = stream.getvalue().splitlines()
    assert written == 5 and reported == [2, 4] and len(lines) == 6
    assert lines == b"".join(exports.csv_response(entity, queryset).streaming_content).decode().splitlines()
