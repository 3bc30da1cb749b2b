"""A support report whose task was lost (the broker lost its message, its worker was killed
mid-build) is sent again by the schedule's sweep once its task's hard time limit and longest
backoff passed, and built once; a report stopped at its time limit is failed with the reason."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings

from apps.core.broker import LOST_GRACE_SECONDS
from apps.core.roles import SUPPORT
from apps.support.report_models import ReportStatus
from apps.support.reports import content, generation, tasks
from apps.support.reports.services import support_report_request
from config.celery_app import app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 4, 9, tzinfo=UTC)
LOST = generation.lost_after()
SECOND = timedelta(seconds=1)


def _at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def builds(monkeypatch):
    """Every report the tasks build, by id, in order."""
    built = []

    def counted(report):
        built.append(report.pk)
        return content.report_data(report)

    monkeypatch.setattr(generation, "report_data", counted)
    return built


@pytest.fixture
def lost_report(payments):
    """Requested at T0; its message never reaches a worker (no on_commit here)."""
    with _at(T0):
        return support_report_request(
            kind="weekly",
            scope="service",
            service=payments,
            period_start=T0.date(),
            user=UserFactory(roles=[SUPPORT]),
        )


def test_reports_count_as_lost_after_their_tasks_hard_limit_and_longest_backoff():
    assert generation.lost_after() == timedelta(
        seconds=generation.REPORT_TIME_LIMIT + generation.RETRY_BACKOFF_MAX + LOST_GRACE_SECONDS
    )
    task = tasks.generate_support_report
    assert (task.time_limit, task.retry_backoff_max) == (
        generation.REPORT_TIME_LIMIT,
        generation.RETRY_BACKOFF_MAX,
    )
    sweep = settings.CELERY_BEAT_SCHEDULE["support-resend-lost-reports"]
    assert sweep["task"] in app.tasks and sweep["schedule"] == 120.0


def test_a_report_whose_task_never_ran_is_built_by_the_sweep(lost_report, builds):
    with _at(T0 + LOST - SECOND):
        assert tasks.resend_lost_reports() == 0
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.PENDING and builds == []

    with _at(T0 + LOST + SECOND):
        assert tasks.resend_lost_reports() == 1
    lost_report.refresh_from_db()
    assert (lost_report.status, lost_report.error) == (ReportStatus.READY, "")
    assert lost_report.data["period"] and builds == [lost_report.pk]


def test_a_report_claimed_by_a_dead_worker_is_sent_again_after_the_limit_and_built_once(
    lost_report, builds
):
    claimed = T0 + timedelta(minutes=1)
    with _at(claimed):
        assert generation._claim(lost_report.pk, "dead-worker")  # then its worker is killed
    # Counted from the claim, not the request.
    assert generation.reports_lost(now=claimed + LOST - SECOND) == []

    with _at(claimed + LOST + SECOND):
        assert tasks.resend_lost_reports() == 1
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.READY and builds == [lost_report.pk]
    ready = lost_report.data

    # The dead worker's message comes back after the visibility timeout: it writes nothing.
    assert generation.report_generate(report_id=lost_report.pk, task_id="dead-worker") == "skipped"
    lost_report.refresh_from_db()
    assert lost_report.data == ready and builds == [lost_report.pk]


def test_a_sweep_run_twice_sends_a_lost_report_once(lost_report, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.generate_support_report, "delay", sent.append)  # lost again

    with _at(T0 + LOST + SECOND):
        assert tasks.resend_lost_reports() == 1
        assert tasks.resend_lost_reports() == 0
    with _at(T0 + LOST + timedelta(minutes=2)):  # the next beat
        assert tasks.resend_lost_reports() == 0
    assert sent == [lost_report.pk]
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.PENDING
    assert lost_report.error == "Its task was lost: sent again."

    # Lost once more: sent again once its own wait passed.
    with _at(T0 + 2 * LOST + 2 * SECOND):
        assert tasks.resend_lost_reports() == 1
    assert sent == [lost_report.pk, lost_report.pk]


def test_a_broker_that_refuses_the_sweep_leaves_the_report_for_the_next_sweep(
    lost_report, monkeypatch
):
    def refused(report_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.generate_support_report, "delay", refused)
    with _at(T0 + LOST + SECOND):
        assert tasks.resend_lost_reports() == 0
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.PENDING


def test_a_report_stopped_at_its_hard_time_limit_is_failed_with_the_reason(lost_report, builds):
    with _at(T0):
        assert generation._claim(lost_report.pk, "t-1")
        # What the worker's main process calls once the pool killed the build.
        tasks.generate_support_report.on_failure(
            TimeLimitExceeded(generation.REPORT_TIME_LIMIT), "t-1", (lost_report.pk,), {}, None
        )
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.FAILED
    assert lost_report.error == "Stopped at the hard time limit of 150 s."
    with _at(T0 + 2 * LOST):
        assert tasks.resend_lost_reports() == 0  # failed is done: nothing to send
    assert builds == []


def test_a_report_past_its_soft_time_limit_is_failed_with_the_reason(lost_report, monkeypatch):
    def slow(report):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(generation, "report_data", slow)
    tasks.generate_support_report.delay(lost_report.pk)
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.FAILED
    assert lost_report.error == "Took longer than 120 s to build."


def test_one_task_builds_a_report_and_its_own_retry_resumes_it(lost_report, builds):
    assert generation._claim(lost_report.pk, "t-1")
    # Another task given the same report (a duplicate message) leaves it to the first.
    assert generation.report_generate(report_id=lost_report.pk, task_id="t-2") == "skipped"
    # The first task's retry (same id) after a database outage builds it.
    assert generation.report_generate(report_id=lost_report.pk, task_id="t-1") == "ready"
    assert generation.report_generate(report_id=lost_report.pk, task_id="t-1") == "skipped"
    lost_report.refresh_from_db()
    assert lost_report.status == ReportStatus.READY and builds == [lost_report.pk]
