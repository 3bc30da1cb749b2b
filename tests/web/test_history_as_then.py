"""Every history names each event with the values it had then, not with today's.

The story of the issue: bob rejects 99.99 %, alice lowers the line to 99.9 %; the timeline must
still say bob rejected "≥ 99.99 %".
"""

import re
from decimal import Decimal

import pytest

from apps.contracts import services
from tests.api.conftest import client_for
from tests.factories import CommitmentFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def lowered_line(alice, bob, contract, availability, slo, schedule):
    line = CommitmentFactory(
        contract=contract,
        indicator=availability,
        target=Decimal("99.99"),
        credit_schedule=schedule,
    )
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(
        commitment=line, user=bob, decision="reject", comment="Tighter than the SLO."
    )
    line.refresh_from_db()
    return services.commitment_update(commitment=line, user=alice, target=Decimal("99.8"))


def timeline(html: str) -> list[str]:
    """The timeline's event lines, tags stripped."""
    section = html[html.index("Timeline") :]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r'<p class="when">(.*?)</p>', section, flags=re.S)
    ]


def test_timeline_names_a_signoff_with_the_target_it_judged(alice, lowered_line):
    events = timeline(client_as(alice).get(f"/contracts/{lowered_line.contract_id}/").text)

    rejected = [e for e in events if "Sign-off on" in e]
    # Made by bob, voided when alice changed the line: both events name the 99.99 % judged.
    assert len(rejected) == 2
    assert all("Sign-off on Availability ≥ 99.99 %" in e for e in rejected)
    assert any("bob · Sign-off on Availability ≥ 99.99 % created" in e for e in rejected)
    # The line's own records: created at 99.99 %, changed to 99.8 %.
    assert any("Line Availability ≥ 99.99 % created" in e for e in events)
    assert any("alice · Line Availability ≥ 99.8 % changed" in e for e in events)


def test_api_history_names_each_record_as_it_was(alice, lowered_line):
    entries = client_for(alice).get(f"/api/v1/commitments/{lowered_line.pk}/history/").json()

    assert entries[0]["object"].endswith("≥ 99.8 % per month")
    assert entries[-1]["change_type"] == "created"
    assert "≥ 99.99 % per month" in entries[-1]["object"]
