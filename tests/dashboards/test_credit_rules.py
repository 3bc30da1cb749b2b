"""The credits list says which rule produced each line's breaches and credits."""

import pytest

from .test_lists import listed, portfolio

pytestmark = pytest.mark.django_db


def test_each_line_owing_names_its_breach_rule_and_paying_tier(world, dave):
    rows = listed(dave, portfolio(dave).context["links"]["credits"])
    rules = {(row[0], row[6]): row[10] for row in rows}
    # L1 promises 99.8 % and met it in January and February (99.95, 99.92), yet the schedule's
    # < 99.99 % tier pays 10 % for both: the column says so.
    assert rules[("ACME-1", "Calendar month")] == (
        "no breach: every period ≥ 99.8 % target; "
        "2 × credit: tier ≥ 99 and < 99.99 % → 10 % (2 of them met the target)"
    )
    # L4 (99.5 %) breached January at 99.0 %.
    assert rules[("GLOBEX-1", "Calendar month")] == (
        "1 × breached: below 99.5 % target; 1 × credit: tier ≥ 99 and < 99.99 % → 10 %"
    )
