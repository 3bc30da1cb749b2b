"""The Prometheus connector against a real Prometheus, back-filled with counters of known values."""

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.catalog.choices import IndicatorSource
from apps.measurements import prometheus
from apps.measurements.models import SLISample
from apps.measurements.tasks import pull_prometheus
from tests.conftest import require
from tests.factories import IndicatorFactory

from .prometheus_server import PrometheusServer, openmetrics

STEP = 300
BUCKETS = 24
# Buckets whose good counter has no samples inside: Prometheus has no point there, so the
# connector must store nothing for them (missing data is not zero).
GOOD_GAP = (10, 11)
GOOD_QUERY = "sum(increase(covenant_good_total[5m]))"
TOTAL_QUERY = "sum(increase(covenant_requests_total[5m]))"


def _per_minute(bucket: int) -> tuple[int, int]:
    """(good, total) events per minute in a bucket: a different, known count in each."""
    total = 20 + 3 * bucket
    return total - bucket % 4, total


def _history(first_start: int) -> dict:
    """Counters sampled each minute across BUCKETS buckets, rising at each bucket's rate."""
    good, total = 1_000_000, 2_000_000
    good_points, total_points = [(first_start, good)], [(first_start, total)]
    gap_start = first_start + GOOD_GAP[0] * STEP
    gap_end = first_start + (GOOD_GAP[-1] + 1) * STEP
    for minute in range(1, BUCKETS * 5 + 1):
        good_rate, total_rate = _per_minute((minute - 1) // 5)
        good += good_rate
        total += total_rate
        at = first_start + minute * 60
        total_points.append((at, total))
        if not gap_start < at < gap_end:
            good_points.append((at, good))
    return {"covenant_good": good_points, "covenant_requests": total_points}


@pytest.fixture(scope="session")
def prometheus_history(tmp_path_factory):
    """A Prometheus whose history ends a day ago (back-filled blocks must be in the past)."""
    require(shutil.which("prometheus"), "needs the prometheus binary (apt-get install prometheus)")
    require(shutil.which("promtool"), "needs promtool (apt-get install prometheus)")
    now = int(datetime.now(tz=UTC).timestamp())
    last_end = now - now % STEP - 86_400
    first_start = last_end - BUCKETS * STEP
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus-sources"))
    server.backfill(openmetrics(_history(first_start)))
    url = server.start()
    yield url, first_start
    server.stop()


def _expected(first_start: int) -> dict:
    expected = {}
    for bucket in range(BUCKETS):
        if bucket in GOOD_GAP:
            continue
        good, total = _per_minute(bucket)
        start = datetime.fromtimestamp(first_start + bucket * STEP, tz=UTC)
        expected[start] = (start + timedelta(seconds=STEP), good * 5, total * 5)
    return expected


def _stored(indicator) -> dict:
    return {
        sample.start: (sample.end, sample.good, sample.total)
        for sample in SLISample.objects.filter(indicator=indicator)
    }


def _indicator(**queries):
    return IndicatorFactory(
        source=IndicatorSource.PROMETHEUS,
        good_query=queries.get("good", GOOD_QUERY),
        total_query=queries.get("total", TOTAL_QUERY),
    )


def test_pull_stores_the_exact_counts_of_every_bucket_and_nothing_where_data_is_missing(
    db, prometheus_history
):
    url, first_start = prometheus_history
    indicator = _indicator()

    result = prometheus.indicator_pull(
        indicator=indicator, client=prometheus.PrometheusClient(url), backfill_days=3
    )

    expected = _expected(first_start)
    assert _stored(indicator) == expected
    assert (result.created, result.updated, result.buckets) == (len(expected), 0, len(expected))


def test_pull_in_small_chunks_gives_the_same_buckets(db, prometheus_history):
    url, first_start = prometheus_history
    indicator = _indicator()

    prometheus.indicator_pull(
        indicator=indicator, client=prometheus.PrometheusClient(url), backfill_days=3, max_points=7
    )

    assert _stored(indicator) == _expected(first_start)


def test_second_pull_only_refreshes_the_overlap_and_counts_nothing_twice(db, prometheus_history):
    url, first_start = prometheus_history
    indicator = _indicator()
    client = prometheus.PrometheusClient(url)
    prometheus.indicator_pull(indicator=indicator, client=client, backfill_days=3)

    again = prometheus.indicator_pull(indicator=indicator, client=client, backfill_days=3)

    assert again.created == 0
    assert 0 < again.updated <= prometheus.DEFAULT_OVERLAP_BUCKETS + 1
    assert _stored(indicator) == _expected(first_start)


def test_a_query_prometheus_refuses_raises_a_query_error_and_stores_nothing(db, prometheus_history):
    url, _ = prometheus_history
    indicator = _indicator(good="sum(increase(covenant_good_total[5m])")

    with pytest.raises(prometheus.PrometheusQueryError, match="bad_data"):
        prometheus.indicator_pull(
            indicator=indicator, client=prometheus.PrometheusClient(url), backfill_days=3
        )

    assert not SLISample.objects.filter(indicator=indicator).exists()


def test_a_query_returning_several_series_is_refused(db, prometheus_history):
    url, _ = prometheus_history
    indicator = _indicator(good='{__name__=~"covenant_.*_total"}')

    with pytest.raises(prometheus.PrometheusDataError, match="returned 2 series"):
        prometheus.indicator_pull(
            indicator=indicator, client=prometheus.PrometheusClient(url), backfill_days=3
        )


def test_beat_task_pulls_every_prometheus_indicator_and_no_other(db, prometheus_history, settings):
    url, first_start = prometheus_history
    settings.PROMETHEUS_URL = url
    settings.PROMETHEUS_BACKFILL_DAYS = 3
    pulled = [_indicator(), _indicator()]
    by_api = IndicatorFactory(source=IndicatorSource.API)

    enqueued = pull_prometheus.delay().get()

    assert enqueued == 2
    for indicator in pulled:
        assert _stored(indicator) == _expected(first_start)
    assert not SLISample.objects.filter(indicator=by_api).exists()


def test_pull_is_up_to_date_right_after_the_last_settled_bucket(db, prometheus_history):
    url, _ = prometheus_history
    indicator = _indicator()
    now = timezone.now()
    SLISample.objects.create(
        indicator=indicator, start=now, end=now + timedelta(seconds=STEP), good=1, total=1
    )

    result = prometheus.indicator_pull(
        indicator=indicator, client=prometheus.PrometheusClient(url), overlap=0, now=now
    )

    assert (result.buckets, result.created, result.updated) == (0, 0, 0)
