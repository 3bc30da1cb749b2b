"""Prometheus HTTP errors become clear exceptions; the task retries only what a retry can fix."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.signals import task_retry

from apps.catalog.choices import IndicatorSource
from apps.measurements import prometheus
from apps.measurements.models import SLISample
from apps.measurements.tasks import pull_prometheus, pull_prometheus_indicator
from tests.factories import IndicatorFactory

from .prometheus_server import free_port


class _Canned(BaseHTTPRequestHandler):
    """Answers with the server's next (status, body, delay); the last one repeats."""

    def do_GET(self):
        answers = self.server.answers
        status, body, delay = answers.pop(0) if len(answers) > 1 else answers[0]
        if delay:
            threading.Event().wait(delay)
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_prometheus():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.answers = [
        (200, {"status": "success", "data": {"resultType": "matrix", "result": []}}, 0)
    ]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def retries():
    """Reasons of the retries the task asked for, run eagerly one after another.

    With eager propagation every Retry would surface as an exception at the first attempt; off,
    Celery's eager apply() runs the retries inline (without the back-off waits).
    """
    app = pull_prometheus_indicator.app
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    seen = []

    def record(sender=None, reason=None, **kwargs):
        seen.append(reason)

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)
    app.conf.task_eager_propagates = propagates


@pytest.fixture
def pulled(db):
    return IndicatorFactory(
        source=IndicatorSource.PROMETHEUS,
        good_query="sum(increase(ok_total[5m]))",
        total_query="sum(increase(all_total[5m]))",
    )


def test_prometheus_error_status_is_a_query_error_with_its_message(fake_prometheus):
    fake_prometheus.answers = [
        (
            400,
            {"status": "error", "errorType": "bad_data", "error": "parse error at char 5"},
            0,
        )
    ]
    client = prometheus.PrometheusClient(_url(fake_prometheus))

    with pytest.raises(prometheus.PrometheusQueryError, match="bad_data: parse error at char 5"):
        client.query_range("up[", start=0, end=300, step=300)


def test_server_errors_mean_prometheus_is_unavailable(fake_prometheus):
    fake_prometheus.answers = [(503, "overloaded", 0)]
    client = prometheus.PrometheusClient(_url(fake_prometheus))

    with pytest.raises(prometheus.PrometheusUnavailable, match="HTTP 503"):
        client.query_range("up", start=0, end=300, step=300)


def test_a_slow_prometheus_times_out_as_unavailable(fake_prometheus):
    fake_prometheus.answers = [(200, {"status": "success"}, 1.0)]
    client = prometheus.PrometheusClient(_url(fake_prometheus), timeout=0.2)

    with pytest.raises(prometheus.PrometheusUnavailable, match=r"did not answer within 0\.2 s"):
        client.query_range("up", start=0, end=300, step=300)


def test_an_instant_vector_answer_is_refused(fake_prometheus):
    fake_prometheus.answers = [(200, {"status": "success", "data": {"resultType": "vector"}}, 0)]
    client = prometheus.PrometheusClient(_url(fake_prometheus))

    with pytest.raises(prometheus.PrometheusDataError, match="not a range matrix"):
        client.query_range("up", start=0, end=300, step=300)


def test_no_url_configured_is_a_clear_error(settings):
    settings.PROMETHEUS_URL = ""

    with pytest.raises(prometheus.PrometheusError, match="PROMETHEUS_URL is not set"):
        prometheus.PrometheusClient()


def test_task_retries_an_unreachable_prometheus_then_gives_up(pulled, settings, retries):
    settings.PROMETHEUS_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    result = pull_prometheus_indicator.delay(pulled.pk)

    assert result.failed()
    assert isinstance(result.result, prometheus.PrometheusUnavailable)
    assert "unreachable" in str(result.result)
    assert len(retries) == pull_prometheus_indicator.max_retries
    assert not SLISample.objects.exists()


def test_task_recovers_when_prometheus_comes_back(pulled, settings, retries, fake_prometheus):
    now = int(time.time())
    bucket_end = now - now % 300 - 600
    matrix = {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[bucket_end, "4"]]}]},
    }
    fake_prometheus.answers = [(503, "starting", 0), (502, "proxy", 0), (200, matrix, 0)]
    settings.PROMETHEUS_URL = _url(fake_prometheus)
    settings.PROMETHEUS_BACKFILL_DAYS = 1

    result = pull_prometheus_indicator.delay(pulled.pk).get()

    assert len(retries) == 2
    assert result == {"indicator": pulled.pk, "buckets": 1, "created": 1, "updated": 0}
    sample = SLISample.objects.get(indicator=pulled)
    assert (sample.end.timestamp(), sample.good, sample.total) == (bucket_end, 4, 4)


def test_task_does_not_retry_a_refused_query(pulled, settings, retries, fake_prometheus):
    fake_prometheus.answers = [(400, {"status": "error", "errorType": "bad_data", "error": "x"}, 0)]
    settings.PROMETHEUS_URL = _url(fake_prometheus)

    result = pull_prometheus_indicator.delay(pulled.pk)

    assert isinstance(result.result, prometheus.PrometheusQueryError)
    assert retries == []


def test_task_for_a_deleted_indicator_does_nothing(db, settings):
    settings.PROMETHEUS_URL = "http://127.0.0.1:9"

    result = pull_prometheus_indicator.delay(999_999).get()

    assert result["buckets"] == 0


def test_beat_task_does_nothing_without_a_prometheus_url(pulled, settings):
    settings.PROMETHEUS_URL = ""

    assert pull_prometheus.delay().get() == 0


def test_beat_schedule_pulls_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["pull-prometheus"]

    assert entry["task"] == pull_prometheus.name
    assert entry["schedule"] == 300.0
