"""`make bench` works end to end on a tiny dataset: every scenario runs and reports, in-process.

Times are not asserted: this only proves the harness (dataset, scenarios, baselines, bulk, table) runs.
"""

import pytest

from bench.dataset import bench_workspace, dataset_build, dataset_ready
from bench.measure_scenarios import scenarios_in_process
from bench.report import table
from bench.scenarios import SCENARIOS, context_build
from bench.sizes import SIZES
from bench.worker import bulk_reassign
from clientela.customers.models import Contact
from clientela.history.models import FieldChange
from clientela.notes.models import Note
from clientela.workspaces.scoping import use_workspace

pytestmark = pytest.mark.django_db


def test_the_bench_scenarios_run_on_a_tiny_dataset():
    size = SIZES["tiny"]
    dataset_build(size, seed=3, log=lambda message: None)
    workspace = bench_workspace()
    with use_workspace(workspace):
        assert Contact.objects.count() == size.contacts
        ctx = context_build(workspace)
        assert Note.objects.filter(record_id=ctx.target.pk).count() == 200
        results = scenarios_in_process(ctx, size, "test", SCENARIOS) + bulk_reassign(ctx, size, "test")

    measured = {(r.scenario, r.method): r for r in results}
    for scenario in SCENARIOS:
        shown = measured[scenario.key, "in-process"]
        assert (shown.rows > 0 or scenario.key == "list page 200") and shown.ratio is not None, scenario.key
        assert (scenario.key, "raw SQL") in measured
    assert measured["list page 1", "in-process"].rows == 25
    assert measured["bulk reassign owner", "in-process"].rows == size.contacts // 10
    printed = table([r.as_dict() for r in results],
                    [{"database": "test", "contacts": size.contacts, "size": "tiny", "seed": 3}])
    assert "search phone (national format)" in printed and "bulk reassign owner" in printed


def test_the_same_seed_gives_the_same_dataset():
    def read() -> tuple[list, list]:
        with use_workspace(bench_workspace()):
            return (list(Contact.objects.order_by("id").values_list("id", "first_name", "last_name", "updated_at")),
                    list(FieldChange.objects.order_by("id").values_list("id", "record_id", "action", "created_at",
                                                                       "new_value")))

    dataset_build(SIZES["tiny"], seed=5, log=lambda message: None)
    contacts, history = read()
    assert contacts and contacts[0][0].version == 4
    assert len(history) == 2 * len(contacts) and {row[1] for row in history} == {row[0] for row in contacts}
    Contact.unscoped.all().delete()
    bench_workspace().delete()
    dataset_build(SIZES["tiny"], seed=5, log=lambda message: None)
    assert read() == (contacts, history)

    FieldChange.unscoped.all().delete()  # a dataset built before datasets had history
    assert not dataset_ready()
    dataset_build(SIZES["tiny"], seed=5, log=lambda message: None)
    assert dataset_ready() and read() == (contacts, history)
