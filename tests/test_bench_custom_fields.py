"""The custom-fields bench suite runs on a tiny dataset: fields defined once, values filled once, same values on
every database (derived from each contact's id), every scenario measured. Times are not asserted."""

import pytest

from bench.custom_fields import SCENARIOS, TIERS, custom_fields_suite, values_fill
from bench.dataset import bench_workspace, dataset_build
from bench.scenarios import context_build
from bench.sizes import SIZES
from clientela.customers.models import Contact
from clientela.customization.models import FieldDefinition
from clientela.workspaces.scoping import use_workspace

pytestmark = pytest.mark.django_db


def test_the_custom_field_scenarios_run_and_fill_values_once():
    size = SIZES["tiny"]
    dataset_build(size, seed=3, log=lambda message: None)
    workspace = bench_workspace()
    with use_workspace(workspace):
        ctx = context_build(workspace)
        results = custom_fields_suite(ctx, size, "test", None, http=False, log=lambda message: None)
        assert values_fill(ctx.workspace_id) == 0  # idempotent: nothing left to fill
        assert FieldDefinition.objects.filter(key__startswith="bench_").count() == 3
        contact = Contact.objects.order_by("id").first()
        number = int(contact.id.hex[:6], 16)
        assert contact.custom["bench_tier"] == TIERS[number % 4]
        assert contact.custom["bench_score"] == pytest.approx(number // 4 % 100_000 / 100)
        assert len(contact.custom["bench_renewal"]) == 10
        gold = Contact.objects.filter(custom__bench_tier="gold").count()
    measured = {(r.scenario, r.method): r for r in results}
    for scenario in SCENARIOS:
        assert measured[scenario.key, "in-process"].rows == measured[scenario.key, "raw SQL"].rows - 1 == 25
    assert 0 < gold < size.contacts
