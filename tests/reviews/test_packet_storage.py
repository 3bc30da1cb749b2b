"""A packet's data is stored as the canonical JSON its content hash is taken of."""

import html

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.reviews import packets
from apps.reviews.choices import PacketScope, PacketStatus
from apps.reviews.models import ReviewPacket

from .conftest import open_cycle, packet_of

APP = "reviews"
JSONB = (APP, "0002_packet_data_lz4")
TEXT = (APP, "0003_packet_data_canonical_text")
TABLE = ReviewPacket._meta.db_table
DATA = {"scope": "service", "b": [1, "ü", {"z": None, "a": "99.9000"}], "a": {"y": 2, "x": 1}}


def stored_text(packet_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {TABLE} WHERE id = %s", [packet_id])
        return cursor.fetchone()[0]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_a_generated_packet_is_stored_as_the_text_of_its_hash(service_packet, customer_packet):
    for packet in (service_packet, customer_packet):
        text = stored_text(packet.pk)
        assert packet.status == PacketStatus.READY
        assert packets.text_hash(text) == packet.content_hash
        assert text == packets.canonical_json(packet.data)
        assert ReviewPacket.objects.get(pk=packet.pk).data == packet.data


AWKWARD = 'O\'Brien \\ "Ops" 100 % %s $1 ü 😀'


def test_text_that_sql_would_need_escaped_is_stored_as_it_is(
    reviewed, payments, acme, dave, django_capture_on_commit_callbacks
):
    # The write sends the packet's text apart from the statement on PostgreSQL: quotes,
    # backslashes, placeholders and characters outside the BMP arrive unchanged.
    payments.name = f"Payments {AWKWARD}"
    payments.save()
    acme.name = f"Acme {AWKWARD}"
    acme.save()
    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)
    service = packet_of(cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(cycle, PacketScope.CUSTOMER, acme.pk)
    assert service.data["service"]["name"] == f"Payments {AWKWARD}"
    assert customer.data["customer"]["name"] == f"Acme {AWKWARD}"
    for packet in (service, customer):
        assert packet.status == PacketStatus.READY
        assert packets.text_hash(stored_text(packet.pk)) == packet.content_hash


def test_the_api_and_the_admin_show_the_data_as_json(client, dave, admin_user, service_packet):
    client.force_login(dave)
    body = client.get(f"/api/v1/review-packets/{service_packet.pk}/").json()
    assert body["data"] == service_packet.data
    assert body["content_hash"] == packets.text_hash(stored_text(service_packet.pk))

    client.force_login(admin_user)
    page = client.get(f"/admin/reviews/reviewpacket/{service_packet.pk}/change/")
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "Data (canonical JSON)" in text
    assert stored_text(service_packet.pk) in text


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_stored_packets_canonically_there_and_back():
    try:
        old = migrate(JSONB)
        cycle = old.get_model(APP, "ReviewCycle").objects.create(
            year=2025, period_start="2025-01-01", period_end="2025-12-31"
        )
        packet = old.get_model(APP, "ReviewPacket").objects.create(
            cycle_id=cycle.pk,
            scope="service",
            scope_id=1,
            scope_label="Payments API",
            status=PacketStatus.READY,
            data=DATA,
            content_hash=packets.content_hash(DATA),
        )
        # Neither jsonb nor SQLite keeps the canonical text.
        assert stored_text(packet.pk) != packets.canonical_json(DATA)

        migrate(TEXT)

        assert stored_text(packet.pk) == packets.canonical_json(DATA)
        assert packets.text_hash(stored_text(packet.pk)) == packet.content_hash
        assert ReviewPacket.objects.get(pk=packet.pk).data == DATA

        back = migrate(JSONB).get_model(APP, "ReviewPacket")
        assert back.objects.get(pk=packet.pk).data == DATA
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes(APP)[0])
