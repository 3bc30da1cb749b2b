"""A packet's list of the year's changes names each change as its object was then."""

from decimal import Decimal

import time_machine

from apps.reviews import selectors
from tests.factories import SLOFactory

from .conftest import YEAR


def test_an_slo_renamed_later_keeps_its_old_name_on_its_older_changes(payments, availability, bob):
    with time_machine.travel("2024-11-01 09:00Z", tick=False):
        slo = SLOFactory(indicator=availability, target=Decimal("99.9"), name="Checkout up")
    with time_machine.travel("2025-03-10 12:00Z", tick=False):
        slo.target = Decimal("99.95")
        slo._history_user = bob
        slo._change_reason = "Faster failover shipped."
        slo.save()
    with time_machine.travel("2025-09-10 12:00Z", tick=False):
        slo.name = "Payments up"
        slo._history_user = bob
        slo._change_reason = "Renamed with the service."
        slo.save()

    changes = selectors.service_packet_data(payments.pk, YEAR)["changes"]

    labels = {c["reason"]: c["label"] for c in changes}
    assert labels["Faster failover shipped."] == "SLO Checkout up"
    assert labels["Renamed with the service."] == "SLO Payments up"
