"""Contracts in the states the web tests start from, reached through the services."""

import pytest

from apps.contracts import services


@pytest.fixture
def approved_contract(alice, bob, carol, aligned_line):
    contract = aligned_line.contract
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    services.contract_legal_approve(contract=contract, user=carol)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def signed_contract(carol, approved_contract):
    return services.contract_sign(contract=approved_contract, user=carol)
