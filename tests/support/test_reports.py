"""Support reports: requested as a pending row, built by the task queued on commit from the
support metrics, shown as a page, a PDF and a CSV; regenerating writes a new row. Who may: the
support metrics' rule, on the pages and the API; the pages keep a fixed query budget."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.roles import SUPPORT
from apps.support.metrics import MetricsFilter, support_metrics
from apps.support.models import BreachCause, BreachReview
from apps.support.report_models import ReportStatus, SupportReport
from apps.support.reports import content, exports, periods, tasks
from apps.support.reports.services import support_report_regenerate, support_report_request
from tests.factories import SLOFactory, UserFactory
from tests.reviews.test_packet_pdf_pages import body, flat, pdf_pages

from .test_metrics import T0, clock, ticket

pytestmark = pytest.mark.django_db

# A Monday: T0's quarter is 2026 Q1, its month March, its week 2026-03-02 to 03-08.
QUARTER = (date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", roles=[SUPPORT])


@pytest.fixture
def desk_tickets(payments, acme, p1_response, p1_resolution, dave):
    """Three P1 tickets for Acme on the Payments API in T0's week: two responses met, one
    breached (understaffed); one more breached response waits for a cause."""
    SLOFactory(indicator=p1_response, target=Decimal("95"))
    SLOFactory(indicator=p1_resolution, target=Decimal("90"))
    a = ticket(payments, 1, customer=acme, solved_after=3600)
    b = ticket(payments, 2, customer=acme, solved_after=7200, day=1)
    c = ticket(payments, 3, customer=acme, day=2)
    d = ticket(payments, 4, customer=acme, day=3)
    clock(a, p1_response, metric="response", elapsed=300)
    clock(b, p1_response, metric="response", elapsed=600)
    breached = clock(c, p1_response, metric="response", elapsed=1800, state="breached")
    clock(d, p1_response, metric="response", elapsed=1900, state="breached")
    BreachReview.objects.create(
        clock=breached, cause=BreachCause.objects.create(name="Understaffed"), recorded_by=dave
    )


def _request(capture, kind="quarterly", *, user, **subject):
    with capture(execute=True):
        report = support_report_request(kind=kind, period_start=T0.date(), user=user, **subject)
    report.refresh_from_db()
    return report


def test_periods_and_their_steps():
    assert periods.period_of("weekly", date(2026, 3, 4)) == (date(2026, 3, 2), date(2026, 3, 8))
    assert periods.period_of("monthly", date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert periods.period_of("quarterly", date(2026, 3, 2)) == QUARTER
    assert [s.start.day for s in periods.steps("monthly", date(2026, 3, 1), date(2026, 3, 31))] == [
        1,
        2,
        9,
        16,
        23,
        30,
    ]
    assert [s.label for s in periods.steps("quarterly", *QUARTER)] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert len(periods.steps("weekly", date(2026, 3, 2), date(2026, 3, 8))) == 7


def test_a_requested_report_is_pending_then_built_from_the_support_metrics(
    desk_tickets, payments, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        report = support_report_request(
            kind="quarterly", scope="service", service=payments, period_start=T0.date(), user=sam
        )
    assert report.status == ReportStatus.PENDING and len(callbacks) == 1
    assert (report.period_start, report.period_end) == QUARTER
    callbacks[0]()
    report.refresh_from_db()

    assert report.status == ReportStatus.READY and report.generated_at
    p1 = report.data["priorities"][0]
    expected = support_metrics(MetricsFilter(service=payments.pk, start=QUARTER[0], end=QUARTER[1]))
    assert {k: p1[k] for k in expected["P1"]} == expected["P1"]
    assert p1["tickets"] == 4 and p1["responded_within_pct"] == 50.0
    assert Decimal(p1["response_target"]) == Decimal("95")
    assert report.data["breaches"] == {
        "total": 2,
        "unanalysed": 1,
        "causes": [{"cause": "Understaffed", "count": 1}],
    }
    march = report.data["trend"][2]
    assert (march["label"], march["tickets"]["P1"], march["mttr_seconds"]["P1"]) == (
        "2026-03",
        4,
        5400,
    )


def test_a_customer_report_counts_the_customers_tickets(
    desk_tickets, acme, sam, django_capture_on_commit_callbacks
):
    report = _request(
        django_capture_on_commit_callbacks, "weekly", scope="customer", customer=acme, user=sam
    )
    assert report.status == ReportStatus.READY
    assert report.data["subject"] == {"id": acme.pk, "name": "Acme Corp"}
    assert [step["tickets"]["P1"] for step in report.data["trend"]] == [1, 1, 1, 1, 0, 0, 0]


def test_bad_requests_name_the_field_and_write_nothing(payments, sam, bob):
    with pytest.raises(ValidationError) as error:
        support_report_request(kind="quarterly", scope="service", period_start=T0.date(), user=sam)
    assert "service" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        support_report_request(
            kind="yearly", scope="service", service=payments, period_start=T0.date(), user=sam
        )
    assert "kind" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        support_report_request(
            kind="weekly", scope="service", service=payments, period_start=T0.date(), user=bob
        )
    assert not SupportReport.objects.exists()


def test_a_failing_build_records_why_and_regenerating_writes_a_new_row(
    desk_tickets, payments, sam, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(report):
        raise ValueError("no figures")

    monkeypatch.setattr("apps.support.reports.generation.report_data", broken)
    failed = _request(
        django_capture_on_commit_callbacks, scope="service", service=payments, user=sam
    )
    assert failed.status == ReportStatus.FAILED and "no figures" in failed.error
    monkeypatch.setattr("apps.support.reports.generation.report_data", content.report_data)

    with django_capture_on_commit_callbacks(execute=True):
        new = support_report_regenerate(report=failed, user=sam)
    new.refresh_from_db()
    failed.refresh_from_db()
    assert new.pk != failed.pk and new.status == ReportStatus.READY
    assert failed.status == ReportStatus.FAILED  # kept as it was


@pytest.fixture
def quarterly(desk_tickets, payments, sam, django_capture_on_commit_callbacks):
    return _request(django_capture_on_commit_callbacks, scope="service", service=payments, user=sam)


def test_pages_show_the_report_to_support_and_leadership_only(client, quarterly, sam, dave, bob):
    url = reverse("support:report", args=[quarterly.pk])
    for user, status in ((sam, 200), (dave, 200), (bob, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.force_login(sam)
    page = client.get(url).content.decode()
    for section in (
        "Attainment per priority against target",
        "Breaches by cause",
        "Escalations",
        "MTTR trend",
    ):
        assert section in page
    assert "<svg" in page and "Understaffed" in page
    csv = client.get(reverse("support:report-csv", args=[quarterly.pk])).content.decode()
    assert "priority,P1,2026-01-01,tickets,4" in csv
    assert "breaches,Understaffed,2026-01-01,breaches,1" in csv


def test_charts_draw_shares_on_a_full_percent_axis_and_the_trend_the_busy_priorities(
    quarterly,
):
    context = exports.report_context(quarterly)
    attainment = str(context["attainment_chart"])
    assert 'data-series="Responded within target"' in attainment
    assert 'data-label="P1" data-value="50"' in attainment
    assert ">100 %</text>" in attainment and ">0 %</text>" in attainment
    # Only P1 had tickets: one row per month for it.
    assert [(row["start"], row["priority"]) for row in context["trend"]] == [
        ("2026-01-01", "P1"),
        ("2026-02-01", "P1"),
        ("2026-03-01", "P1"),
    ]
    assert 'data-series="P2"' not in str(context["mttr_chart"])


def test_requesting_from_the_page_builds_the_report(
    client, desk_tickets, payments, sam, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("support:reports"),
            {
                "kind": "monthly",
                "scope": "service",
                "service": payments.pk,
                "period_start": "2026-03-04",
            },
        )
    report = SupportReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "support:report", args=[report.pk]
    )
    assert (report.kind, report.period_start, report.status) == (
        "monthly",
        date(2026, 3, 1),
        "ready",
    )
    # The message claims nothing the page then contradicts: the page says how far it got.
    page = client.get(response["Location"]).content.decode()
    assert "Monthly retrospective" in page and "requested." in page
    assert "being built" not in page

    response = client.post(
        reverse("support:reports"),
        {"kind": "monthly", "scope": "customer", "period_start": "2026-03-04"},
    )
    assert (
        response.status_code == 200 and "customer: Choose the customer" in response.content.decode()
    )
    assert SupportReport.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("weekly", "Weekly ops"),
        ("monthly", "Monthly retrospective"),
        ("quarterly", "Quarterly business review"),
    ],
)
def test_the_pdf_has_every_section_and_no_blank_page(
    kind, title, desk_tickets, acme, sam, django_capture_on_commit_callbacks
):
    report = _request(
        django_capture_on_commit_callbacks, kind, scope="customer", customer=acme, user=sam
    )
    pages = pdf_pages(exports.report_pdf(report), f"support-report-{kind}")
    assert all(body(page) for page in pages), "a blank page"
    text = flat(" ".join(pages))
    for section in (
        title,
        "Attainment per priority against target",
        "Breaches by cause",
        "Not analysed yet",
        "Escalations",
        "MTTR trend",
    ):
        assert section in text, section


# session, user, roles, the reports with their subjects and requesters, permissions (user,
# groups: the navigation), the form's services and customers
LIST_QUERIES = 8
# session, user, roles, the report with its subject and requester, permissions (user, groups)
DETAIL_QUERIES = 6


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_report_pages_have_a_fixed_query_budget(client, quarterly, sam, payments, acme):
    client.force_login(sam)
    list_url = reverse("support:reports")
    client.get(list_url)
    one = _queries(client, list_url)
    assert one == LIST_QUERIES
    for day in range(5):
        SupportReport.objects.create(
            kind="weekly",
            scope="customer",
            customer=acme,
            period_start=T0.date() + timedelta(days=7 * day),
            period_end=T0.date() + timedelta(days=7 * day + 6),
            requested_by=sam,
        )
    assert _queries(client, list_url) == one
    assert _queries(client, reverse("support:report", args=[quarterly.pk])) == DETAIL_QUERIES


def test_the_api_requests_and_reads_reports(
    desk_tickets, payments, sam, bob, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(bob)
    assert api.get("/api/v1/support-reports/").status_code == 403
    api.force_authenticate(sam)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/support-reports/",
            {
                "kind": "weekly",
                "scope": "service",
                "service": payments.pk,
                "period_start": "2026-03-04",
            },
            format="json",
        )
    assert created.status_code == 201 and created.json()["period_end"] == "2026-03-08"
    detail = api.get(f"/api/v1/support-reports/{created.json()['id']}/").json()
    assert detail["status"] == "ready" and detail["data"]["priorities"][0]["tickets"] == 4
    bad = api.post(
        "/api/v1/support-reports/",
        {"kind": "weekly", "scope": "service", "period_start": "2026-03-04"},
        format="json",
    )
    assert bad.status_code == 400 and "service" in bad.json()


def test_a_broker_that_refuses_the_task_fails_the_report_with_the_reason(
    payments, sam, monkeypatch, django_capture_on_commit_callbacks
):
    def refused(report_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.generate_support_report, "delay", refused)
    report = _request(
        django_capture_on_commit_callbacks, scope="service", service=payments, user=sam
    )
    assert report.status == ReportStatus.FAILED
    assert report.error == "The task queue could not be reached: build the report again."
