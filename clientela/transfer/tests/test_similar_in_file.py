"""Rows of one file find earlier rows by alike names (a typo), as they find records: same city or company."""

import pytest

from clientela.customers.models import Company, Contact
from clientela.customers.tests import factories
from clientela.merging.services import duplicate_settings_save
from clientela.transfer import duplicates
from clientela.transfer.models import ImportJob, ImportRow
from clientela.transfer.services import import_count, import_create, import_run
from clientela.workspaces.scoping import use_workspace
from conftest import login

from .helpers import csv_bytes, run_import, run_killed_after

pytestmark = pytest.mark.django_db
HEADERS = ["First Name", "Last Name", "Email", "Company", "City"]


def outcomes(job) -> dict[int, tuple[str, list[str]]]:
    return {row.number: (row.action, [e["message"] for e in row.errors])
            for row in ImportRow.objects.filter(job=job).order_by("number")}


def test_a_typo_further_down_the_file_in_the_same_city_is_a_duplicate_of_the_first_row(in_acme):
    rows = [HEADERS, ["Jose", "Garcai", "jose@garcia.es", "", "Madrid"]]
    rows += [[f"Persona{i}", f"Apellido{i}", f"p{i}@example.es", "", "Madrid"] for i in range(300)]
    rows += [["José", "García", "", "", "Madrid"]]  # row 302: no email, the name with its accents and no typo
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    assert (job.created, job.duplicates, job.rows_done) == (301, 1, 302)
    assert outcomes(job)[302] == ("duplicate", ["similar name, same city as row 1 of the file"])
    assert ImportRow.objects.get(job=job, number=302).record_id is None
    assert not Contact.objects.filter(first_name="José").exists()


def test_a_typo_at_the_same_company_is_a_duplicate_of_the_earlier_row(in_acme):
    rows = [HEADERS, ["Jose", "Garcai", "jose@garcia.es", "Aceites del Sur S.L.", ""],
            ["Ana", "Ruiz", "ana@ruiz.es", "Aceites del Sur S.L.", ""],
            ["José", "García", "otro@garcia.es", "ACEITES DEL SUR SL", ""]]
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    assert (job.created, job.duplicates) == (2, 1)
    assert outcomes(job)[3] == ("duplicate", ["similar name, same company as row 1 of the file"])


def test_alike_names_in_different_cities_are_different_people(in_acme):
    rows = [HEADERS, ["Jose", "Garcai", "", "", "Madrid"], ["José", "García", "", "", "Sevilla"],
            ["Jose", "Garcia", "", "", "Madrid"]]  # but the same person again in Madrid
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    assert (job.created, job.duplicates) == (2, 1)
    assert outcomes(job)[2] == ("created", [])
    assert outcomes(job)[3] == ("duplicate", ["similar name, same city as row 1 of the file"])


def test_names_with_numbers_match_other_rows_only_exactly(in_acme):
    """A name with numbers is a code ("Cliente 1012"): alike to no name with other numbers, and not kept for
    similar names, so a file of numbered names costs nothing more; the same name again is still a duplicate."""
    rows = [HEADERS, ["Ana1", "Ruiz", "", "Ruiz SA", "Madrid"], ["Ana2", "Ruiz", "", "Ruiz SA", "Madrid"],
            ["Ana1", "Ruis", "", "", "Madrid"], ["Ana1", "Ruiz", "", "", "Madrid"]]
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    assert (job.created, job.duplicates) == (3, 1)
    assert outcomes(job)[4] == ("duplicate", ["same name and city as row 1 of the file"])


def test_threshold_100_keeps_alike_rows_apart(acme, globex):
    rows = csv_bytes([HEADERS, ["Jose", "Garcai", "", "", "Madrid"], ["José", "García", "", "", "Madrid"]])
    with use_workspace(acme):  # the default threshold (85)
        assert run_import(acme.users["admin"], rows).duplicates == 1
    with use_workspace(globex):
        duplicate_settings_save(name_threshold=100, by=globex.users["admin"])
        job = run_import(globex.users["admin"], rows)
        assert (job.created, job.duplicates) == (2, 0)


def test_a_record_alike_wins_over_an_earlier_row_more_alike(in_acme):
    admin = in_acme.users["admin"]
    record = factories.contact(admin, first="José", last="García López",
                               addresses=[{"label": "office", "city": "Madrid", "country": "ES"}])
    rows = [HEADERS,
            ["Jose", "Garcia Lopes", "uno@garcia.es", "", "Madrid"],  # alike to the record: merged into it
            ["Jose", "Garsia Lopes", "dos@garcia.es", "", "Madrid"],  # alike to the record, more to row 1
            ["Ana", "Ruiz Soto", "", "", "Sevilla"], ["Ana", "Ruis Soto", "", "", "Sevilla"]]
    job = run_import(admin, csv_bytes(rows), on_duplicate="fill", batch_size=1)
    assert (job.merged, job.created, job.duplicates) == (2, 1, 1)
    assert outcomes(job)[2] == ("merged", ["similar name, same city"])
    assert str(ImportRow.objects.get(job=job, number=2).record_id) == str(record.pk)
    assert outcomes(job)[4] == ("duplicate", ["similar name, same city as row 3 of the file"])
    assert sorted(record.emails.values_list("email", flat=True)) == ["dos@garcia.es", "uno@garcia.es"]


def test_similar_company_names_in_one_file(in_acme):
    rows = [["Name"], ["Aceites del Sur"], ["Olivos del Norte"], ["ACEITES DEL SURR, S.L."]]
    job = run_import(in_acme.users["admin"], csv_bytes(rows), entity="companies")
    assert (job.created, job.duplicates) == (2, 1)
    assert outcomes(job)[3] == ("duplicate", ["similar name as row 1 of the file"])
    assert Company.objects.count() == 2


PAIRS = [HEADERS] + [[first, last, "", "", city] for first, last, city in (  # three rows a batch
    ("Jose", "Garcai", "Madrid"), ("Ana", "Ruiz Soto", "Sevilla"), ("Luis", "Pérez", "Bilbao"),
    ("José", "García", "Madrid"), ("Marta", "Gil", "Valencia"), ("Ana", "Ruis Soto", "Sevilla"),
    ("Luis", "Peres", "Bilbao"), ("Marta", "Gill", "Valencia"), ("Pedro", "Sanz", "Madrid"))]


@pytest.mark.parametrize("kept", [100, 3])  # every name kept; only the first three rows' names
def test_a_resumed_import_decides_as_one_that_was_never_stopped(acme, globex, monkeypatch, kept):
    monkeypatch.setattr(duplicates, "SIMILAR_ROWS", kept, raising=False)
    with use_workspace(globex):
        straight = outcomes(run_import(globex.users["admin"], csv_bytes(PAIRS), batch_size=3))
    with use_workspace(acme):
        job = import_create(user=acme.users["admin"], entity_key="contacts", data=csv_bytes(PAIRS),
                            file_name="p.csv", options={"batch_size": 3})
        import_count(job)
        job = run_killed_after(monkeypatch, job, 1)
        assert job.rows_done == 3 and job.status == ImportJob.Status.RUNNING  # rows 1-3 created, then killed
        job = import_run(job)
        assert job.status == ImportJob.Status.DONE and job.rows_done == 9
        assert outcomes(job) == straight
    assert straight[4] == ("duplicate", ["similar name, same city as row 1 of the file"])
    assert straight[6] == ("duplicate", ["similar name, same city as row 2 of the file"])
    assert straight[7] == ("duplicate", ["similar name, same city as row 3 of the file"])
    # with three names kept, Marta Gil (row 5) comes past the cap: row 8, alike to her only, is created
    assert straight[8] == (("duplicate", ["similar name, same city as row 5 of the file"]) if kept > 3
                           else ("created", []))


def test_past_the_cap_rows_are_matched_by_exact_keys_only(in_acme, monkeypatch):
    monkeypatch.setattr(duplicates, "SIMILAR_ROWS", 1, raising=False)
    rows = [HEADERS, ["Ana", "Ruiz Soto", "", "", "Sevilla"],  # kept: the cap is reached
            ["Jose", "Garcai", "jose@garcia.es", "", "Madrid"],  # created, its name not kept
            ["José", "García", "", "", "Madrid"],  # alike to row 2, which is not kept: created
            ["Jose", "Garcai", "otro@garcia.es", "", "Madrid"],  # same name and city as row 2
            ["Ana", "Ruis Soto", "", "", "Sevilla"]]  # alike to row 1, which is kept
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    got = outcomes(job)
    assert (job.created, job.duplicates) == (3, 2)
    assert got[3] == ("created", [])
    assert got[4] == ("duplicate", ["same name and city as row 2 of the file"])
    assert got[5] == ("duplicate", ["similar name, same city as row 1 of the file"])
    assert job.names_not_kept == 2  # rows 2 and 3: the job page says what was not compared
    page = login(in_acme.users["admin"]).get(f"/import/contacts/{job.pk}/").content.decode()
    assert "compared among the file's first 1 rows: 2 rows after them" in page


def test_the_index_keeps_each_rows_name_once_and_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(duplicates, "SIMILAR_ROWS", 2, raising=False)
    index = duplicates.DuplicateIndex(85)
    index.add([("email", "a@x.es"), ("name_company", "garcai jose|aceites del sur"),
               ("name_city", "garcai jose|madrid")], 1)
    index.add([("name_city", "garcai jose|madrid")], 2)  # row 1's key: nothing more is kept
    index.add([("name_city", "ruiz soto ana|sevilla")], 3)
    index.add([("name_city", "gil marta|valencia")], 4)  # past the cap
    assert index.row_names == ["garcai jose", "ruiz soto ana"] and index.rows_unnamed == 1
    assert index.find([("name_city", "garcia jose|madrid")]) == (None, 1, "similar_name_city")
    assert index.find([("name_company", "garcia jose|aceites del sur")]) == (None, 1, "similar_name_company")
    assert index.find([("name_city", "gil marta|valencia")]) == (None, 4, "name_city")
    assert index.find([("name_city", "gill marta|valencia")]) == (None, None, "")
    identical_only = duplicates.DuplicateIndex(100)
    identical_only.add([("name_city", "garcai jose|madrid")], 1)
    assert identical_only.row_names == [] and identical_only.rows_unnamed == 0
    assert identical_only.find([("name_city", "garcia jose|madrid")]) == (None, None, "")
