"""The world the permission matrix (test_permission_matrix.py) runs in: a user of each role and
every object its rows refer to, built once for the module."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.calendars.models import Calendar
from apps.catalog.choices import IndicatorKind
from apps.contracts import services as contract_services
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Waiver
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, SALES, SUPPORT
from apps.measurements.gate import release_gate_exception_record
from apps.measurements.models import ReleaseGateException
from apps.notifications.models import NotificationChannel
from apps.reviews import generation as review_generation
from apps.reviews import services as review_services
from apps.reviews.choices import PacketScope
from apps.reviews.models import ReviewPacket
from apps.slos.models import BufferPolicy
from apps.support.helpdesks.models import HelpdeskSource
from apps.support.models import EscalationPolicy
from apps.support.reports.generation import report_generate as support_report_generate
from apps.support.reports.services import support_report_request
from apps.support.services import ticket_create
from tests.document_files import signed_pdf
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    CreditScheduleFactory,
    CustomerFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
    TeamFactory,
    UserFactory,
)


def build_world() -> dict:
    """Users of every role and every object a row of the matrix refers to; ids by name."""
    users = {
        "sales": UserFactory(username="m-sales", roles=[SALES]),
        "legal": UserFactory(username="m-legal", is_staff=True, roles=[LEGAL]),
        "eng_own": UserFactory(username="m-eng", is_staff=True, roles=[ENGINEERING]),
        "eng_other": UserFactory(username="m-eng-other", is_staff=True, roles=[ENGINEERING]),
        "leadership": UserFactory(username="m-lead", is_staff=True, roles=[LEADERSHIP]),
        "support": UserFactory(username="m-support", is_staff=True, roles=[SUPPORT]),
        "norole": UserFactory(username="m-nobody", is_staff=True),
    }
    other_owner = UserFactory(username="m-sales-2", roles=[SALES])
    team = TeamFactory(name="M Payments")
    team.members.add(users["eng_own"])
    other_team = TeamFactory(name="M Search")
    other_team.members.add(users["eng_other"])
    service = ServiceFactory(slug="payments-api", name="Payments API", team=team)
    indicator = IndicatorFactory(service=service, kind=IndicatorKind.AVAILABILITY)
    slo = SLOFactory(indicator=indicator, target=Decimal("99.9"))
    calendar = Calendar.objects.create(name="M office hours")
    schedule = CreditScheduleFactory(name="M credits")
    free_schedule = CreditScheduleFactory(name="M unused credits")
    customer = CustomerFactory(name="M Acme")
    their_customer = CustomerFactory(name="M Globex")
    sales = users["sales"]

    def contract(owner, number, customer=customer, **kwargs):
        return ContractFactory(
            customer=customer, owner=owner, number=number, start_date=date(2024, 6, 1), **kwargs
        )

    def line(on, target="99.8"):
        return CommitmentFactory(
            contract=on, indicator=indicator, target=Decimal(target), credit_schedule=schedule
        )

    mine = contract(sales, "M-001")
    my_line = line(mine)
    theirs = contract(other_owner, "G-001", their_customer)
    their_line = line(theirs)
    in_review = contract(sales, "M-002", status=ContractStatus.IN_REVIEW, submitted_by=sales)
    review_line = line(in_review, "99.99")  # MISMATCH: needs a waiver
    approvable_line = line(in_review)
    signed = contract(sales, "M-003", status=ContractStatus.SIGNED, renewal_date=date(2026, 6, 1))
    line(signed)
    their_signed = contract(other_owner, "G-002", their_customer, status=ContractStatus.SIGNED)
    line(their_signed)
    their_waiver = Waiver.objects.create(
        commitment=their_line,
        justification="Accepted risk.",
        expires_on=date.today() + timedelta(days=30),
        granted_by=users["leadership"],
    )
    document = contract_services.document_attach(
        contract=mine, file=signed_pdf("M-001.pdf"), kind="signed", user=sales
    )
    their_document = contract_services.document_attach(
        contract=theirs, file=signed_pdf("G-001.pdf"), kind="signed", user=users["legal"]
    )
    decided = contract(sales, "M-004", status=ContractStatus.IN_REVIEW, submitted_by=sales)
    signoff = contract_services.commitment_signoff(
        commitment=line(decided), user=users["eng_own"], decision="approve"
    )
    channel = NotificationChannel.objects.create(
        team=team, kind="email", name="Payments on call", target="oncall@example.com"
    )
    buffer_policy = BufferPolicy.objects.create(service=service, min_budget_ratio=Decimal("2"))
    gate_exception = release_gate_exception_record(
        service=service,
        user=users["eng_own"],
        kind=ReleaseGateException.Kind.SECURITY,
        reason="Patch.",
        expires_at=timezone.now() + timedelta(hours=2),
    )
    helpdesk = HelpdeskSource.objects.create(
        name="Desk",
        slug="desk",
        kind="zendesk",
        secret="s3cret-value-long-enough",
        default_service=service,
    )
    ticket = ticket_create(
        source="api",
        external_id="T-1",
        service=service,
        priority="P1",
        created_at=datetime(2026, 1, 5, 8, tzinfo=UTC),
    )
    escalation_policy = EscalationPolicy.objects.create(name="Payments desk", service=service)
    support_report = support_report_request(
        kind="weekly",
        scope="service",
        service=service,
        period_start=date(2026, 1, 5),
        user=users["support"],
    )
    support_report_generate(report_id=support_report.pk)
    cycle = review_services.review_cycle_open(year=2025, user=users["leadership"])
    for packet in cycle.packets.all():
        review_generation.packet_generate(packet_id=packet.pk, task_id=f"matrix-{packet.pk}")

    def packet(scope, scope_id):
        return ReviewPacket.objects.get(cycle=cycle, scope=scope, scope_id=scope_id).pk

    review_signoff = review_services.packet_signoff(
        packet=ReviewPacket.objects.get(pk=packet(PacketScope.SERVICE, service.pk)),
        user=users["legal"],
        role="legal",
    )

    ids = {
        "helpdesk": helpdesk.pk,
        "ticket": ticket.pk,
        "support_report": support_report.pk,
        "escalation_policy": escalation_policy.pk,
        "calendar": calendar.pk,
        "signoff": signoff.pk,
        "buffer_policy": buffer_policy.pk,
        "gate_exception": gate_exception.pk,
        "review_signoff": review_signoff.pk,
        "channel": channel.pk,
        "team": team.pk,
        "other_team": other_team.pk,
        "service": service.pk,
        "indicator": indicator.pk,
        "slo": slo.pk,
        "schedule": schedule.pk,
        "free_schedule": free_schedule.pk,
        "customer": customer.pk,
        "their_customer": their_customer.pk,
        "contract": mine.pk,
        "line": my_line.pk,
        "their_contract": theirs.pk,
        "their_line": their_line.pk,
        "in_review_contract": in_review.pk,
        "review_line": review_line.pk,
        "approvable_line": approvable_line.pk,
        "signed_contract": signed.pk,
        "their_signed_contract": their_signed.pk,
        "their_waiver": their_waiver.pk,
        "document": document.pk,
        "their_document": their_document.pk,
        "cycle": cycle.pk,
        "packet": packet(PacketScope.CUSTOMER, customer.pk),
        "their_packet": packet(PacketScope.CUSTOMER, their_customer.pk),
        "service_packet": packet(PacketScope.SERVICE, service.pk),
    }
    tracked = {
        "team": team,
        "service": service,
        "customer": customer,
        "indicator": indicator,
        "slo": slo,
        "schedule": schedule,
        "free_schedule": free_schedule,
        "their_contract": theirs,
        "their_line": their_line,
        "their_waiver": their_waiver,
        "their_document": their_document,
        "cycle": cycle,
        "calendar": calendar,
        "signoff": signoff,
        "buffer_policy": buffer_policy,
        "gate_exception": gate_exception,
        "review_signoff": review_signoff,
        "channel": channel,
    }
    return {
        "users": users,
        "ids": ids,
        "history": {key: obj.history.earliest().history_id for key, obj in tracked.items()},
        "own_role": {
            "sales": "sales",
            "legal": "legal",
            "eng_own": "engineering",
            "eng_other": "engineering",
            "leadership": "sales",
            "support": "sales",
            "norole": "sales",
            "anonymous": "sales",
        },
    }
