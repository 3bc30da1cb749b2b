"""Signed contracts, a team's notification channels and a real local HTTP receiver."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.contracts.choices import ContractStatus
from apps.notifications.choices import ChannelKind
from apps.notifications.models import NotificationChannel
from tests.factories import CommitmentFactory, ContractFactory

WEBHOOK_SECRET = "s3cret-for-tests"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """What a local HTTP endpoint received; ``status`` is what it answers."""

    base_url: str
    status: int = 200
    # Answered first, one per request, before ``status`` applies.
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver(settings):
    """A real HTTP server on 127.0.0.1 and a free port, for Slack and webhook deliveries.

    Loopback is refused to notifications unless allowed, as an administrator would allow it.
    """
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    state = Receiver(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(Received(self.path, dict(self.headers), self.rfile.read(length)))
            status = state.statuses.pop(0) if state.statuses else state.status
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver says no")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url(settings):
    """A URL on which nothing listens: connections are refused."""
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"


@pytest.fixture
def channels(payments_team, receiver):
    """The Payments team hears by email, Slack and a signed webhook."""
    return {
        "email": NotificationChannel.objects.create(
            team=payments_team, kind=ChannelKind.EMAIL, target="payments-oncall@example.com"
        ),
        "slack": NotificationChannel.objects.create(
            team=payments_team, kind=ChannelKind.SLACK, target=receiver.url("/slack")
        ),
        "webhook": NotificationChannel.objects.create(
            team=payments_team,
            kind=ChannelKind.WEBHOOK,
            target=receiver.url("/hook"),
            secret=WEBHOOK_SECRET,
        ),
    }


@pytest.fixture
def signed_contract(alice, carol, acme):
    return ContractFactory(
        customer=acme,
        owner=alice,
        legal_reviewer=carol,
        number="ACME-SIGNED",
        status=ContractStatus.SIGNED,
        start_date="2025-01-01",
    )


@pytest.fixture
def signed_line(signed_contract, availability, slo, schedule):
    """99.8 % on the 99.9 % SLO: aligned at signature, exactly at the 2.0 budget ratio."""
    return CommitmentFactory(
        contract=signed_contract,
        indicator=availability,
        target=Decimal("99.8"),
        credit_schedule=schedule,
    )
