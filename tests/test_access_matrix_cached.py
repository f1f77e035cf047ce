"""The access matrix, sharing and field security again, with the configuration kept between requests
(`workspaces.config_cache`).

The cache keeps committed configuration only, so these tests commit; the plain ones run inside the test's
transaction, where every request reads the configuration afresh.
"""

import pytest

from tests.test_access_matrix import (  # noqa: F401 - collected here too, with their fixtures
    test_rest_api,
    test_team_scope_stops_at_the_users_own_teams_while_subordinates_includes_sub_teams,
    test_web_ui,
    world,
)
from tests.test_field_security import (  # noqa: F401
    company,
    test_a_read_only_field_is_shown_but_cannot_be_changed,
    test_hiding_an_inline_hides_its_column_and_its_search,
    test_support_agents_never_see_annual_revenue,
    test_the_admin_still_sees_it,
)
from tests.test_sharing import (  # noqa: F401
    rep2_contact,
    test_a_sharing_rule_shares_every_matching_record_with_a_team,
    test_read_write_sharing_with_a_team_lets_its_members_edit_but_not_delete,
    test_sharing_a_record_with_a_person_lets_them_see_it_and_stopping_hides_it_again,
)

pytestmark = pytest.mark.django_db(transaction=True)
