"""Prometheus connector: pull an indicator's good/total counts per time bucket with query_range.

What the queries must return
----------------------------
An indicator with ``source = prometheus`` carries two PromQL expressions, ``good_query`` and
``total_query``. Each is evaluated with ``/api/v1/query_range`` at ``step`` = the bucket size
(``PROMETHEUS_STEP_SECONDS``, 300 s by default), so each must return, *at time t*, the number of
events in the bucket that ends at t, i.e. over the range ``[step]`` before t, as ONE series::

    sum(increase(http_requests_total{job="api", code!~"5.."}[5m]))     # good
    sum(increase(http_requests_total{job="api"}[5m]))                 # total

The range in ``[...]`` must equal the step, or buckets overlap or leave gaps. A point at t becomes
the bucket [t - step, t). Values are rounded to whole events (``increase`` extrapolates, so it
returns fractions). A bucket is stored only when both queries have a point for it: a missing
point is "no data", never zero. Good above total (beyond rounding noise), negative counts or
several series per query are errors in the query, reported rather than stored.

Pulls are incremental and idempotent: from the last stored bucket (minus a small overlap, so
late-arriving data is picked up) or ``PROMETHEUS_BACKFILL_DAYS`` back, up to the last bucket that
has finished ``PROMETHEUS_SETTLE_SECONDS`` ago, in chunks that stay under Prometheus's
11,000-points-per-series limit; each chunk is upserted on (indicator, start).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from apps.catalog.choices import IndicatorSource
from apps.catalog.models import Indicator

from .models import SLISample
from .services import SampleRow, UpsertResult, samples_upsert

DEFAULT_STEP_SECONDS = 300
DEFAULT_BACKFILL_DAYS = 30
DEFAULT_SETTLE_SECONDS = 60
DEFAULT_OVERLAP_BUCKETS = 2
DEFAULT_TIMEOUT_SECONDS = 30
# Prometheus refuses a query_range answer of more than 11,000 points per series.
MAX_POINTS_PER_QUERY = 10_000
# increase() extrapolates both queries independently; when every event was good the two
# can differ by a fraction of an event. Beyond this, good > total is a wrong query.
GOOD_ABOVE_TOTAL_TOLERANCE = 0.5


class PrometheusError(Exception):
    """A pull failed; the message says which indicator, query and why."""


class PrometheusUnavailable(PrometheusError):
    """Prometheus could not be reached or answered 5xx/timeout: worth retrying later."""


class PrometheusQueryError(PrometheusError):
    """Prometheus refused the query ("status": "error", 4xx): retrying will not help."""


class PrometheusDataError(PrometheusError):
    """The answer cannot be counts per bucket (several series, negative, good above total)."""


@dataclass(frozen=True)
class PullResult:
    indicator_id: int
    start: datetime | None
    end: datetime | None
    buckets: int
    created: int
    updated: int


def _setting(name: str, default):
    return getattr(settings, name, default)


class PrometheusClient:
    """The two calls the connector makes, with errors turned into PrometheusError subclasses."""

    def __init__(self, base_url: str | None = None, *, timeout: float | None = None, session=None):
        self.base_url = (base_url if base_url is not None else settings.PROMETHEUS_URL).rstrip("/")
        if not self.base_url:
            raise PrometheusError("PROMETHEUS_URL is not set: there is no Prometheus to pull from.")
        self.timeout = timeout or _setting("PROMETHEUS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
        self.session = session or requests.Session()

    def query_range(self, query: str, *, start: int, end: int, step: int) -> list[dict]:
        """The result matrix of ``query`` evaluated at start, start + step, …, end (epoch s)."""
        url = f"{self.base_url}/api/v1/query_range"
        params = {"query": query, "start": start, "end": end, "step": step}
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout as error:
            raise PrometheusUnavailable(
                f"Prometheus at {self.base_url} did not answer within {self.timeout} s."
            ) from error
        except requests.RequestException as error:
            raise PrometheusUnavailable(
                f"Prometheus at {self.base_url} is unreachable: {error}"
            ) from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500:
            raise PrometheusUnavailable(
                f"Prometheus answered HTTP {response.status_code}: {_error_text(body, response)}"
            )
        if not isinstance(body, dict) or body.get("status") != "success":
            raise PrometheusQueryError(
                f"Prometheus refused {query!r} (HTTP {response.status_code}): "
                f"{_error_text(body, response)}"
            )
        data = body.get("data") or {}
        if data.get("resultType") != "matrix":
            raise PrometheusDataError(
                f"{query!r} returned a {data.get('resultType')!r}, not a range matrix."
            )
        return data.get("result") or []


def _error_text(body, response) -> str:
    if isinstance(body, dict) and body.get("error"):
        return f"{body.get('errorType', 'error')}: {body['error']}"
    return response.text[:200] or response.reason or "no details"


def _single_series(matrix: list[dict], *, label: str) -> dict[int, float]:
    """The points of the one series in ``matrix`` as {epoch second: value}; {} when empty."""
    if len(matrix) > 1:
        raise PrometheusDataError(
            f"The {label} query returned {len(matrix)} series; it must return one "
            "(aggregate it, e.g. sum(increase(...[5m])))."
        )
    if not matrix:
        return {}
    points = {}
    for timestamp, value in matrix[0].get("values", []):
        number = float(value)
        if math.isnan(number):
            continue
        points[round(float(timestamp))] = number
    return points


def buckets_from_matrices(
    *, indicator_id: int, good: list[dict], total: list[dict], step: int
) -> list[SampleRow]:
    """Turn the two query_range matrices into one sample per bucket that both queries cover.

    The point at t counts the bucket [t - step, t). Points present in only one matrix give no
    sample: a missing point is missing data, not zero.
    """
    good_points = _single_series(good, label="good")
    total_points = _single_series(total, label="total")
    rows = []
    for end_second in sorted(good_points.keys() & total_points.keys()):
        good_value, total_value = good_points[end_second], total_points[end_second]
        end = datetime.fromtimestamp(end_second, tz=UTC)
        start = end - timedelta(seconds=step)
        if good_value < 0 or total_value < 0 or math.isinf(good_value + total_value):
            raise PrometheusDataError(
                f"Bucket {start.isoformat()}: counts must be finite and not negative "
                f"(good {good_value}, total {total_value})."
            )
        if good_value > total_value + GOOD_ABOVE_TOTAL_TOLERANCE:
            raise PrometheusDataError(
                f"Bucket {start.isoformat()}: good {good_value:g} is above total "
                f"{total_value:g}; the good query must count a subset of the total query."
            )
        total_count = round(total_value)
        rows.append(
            SampleRow(
                indicator_id=indicator_id,
                start=start,
                end=end,
                good=min(round(good_value), total_count),
                total=total_count,
            )
        )
    return rows


def _floor(moment: datetime, step: int) -> int:
    seconds = int(moment.timestamp())
    return seconds - seconds % step


def pull_window(
    *, last_start: datetime | None, now: datetime, step: int, backfill_days: int, overlap: int
) -> tuple[int, int] | None:
    """Epoch seconds (first bucket end, last bucket end) to query, or None when up to date."""
    settled = now - timedelta(seconds=_setting("PROMETHEUS_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))
    last_end = _floor(settled, step)
    if last_start is None:
        first_start = _floor(now - timedelta(days=backfill_days), step)
    else:
        first_start = _floor(last_start, step) - overlap * step
    first_end = first_start + step
    if first_end > last_end:
        return None
    return first_end, last_end


def _chunks(first_end: int, last_end: int, step: int, max_points: int) -> Iterable[tuple[int, int]]:
    chunk_start = first_end
    while chunk_start <= last_end:
        chunk_end = min(last_end, chunk_start + (max_points - 1) * step)
        yield chunk_start, chunk_end
        chunk_start = chunk_end + step


def indicator_pull(
    *,
    indicator: Indicator,
    client: PrometheusClient | None = None,
    now: datetime | None = None,
    step: int | None = None,
    backfill_days: int | None = None,
    overlap: int = DEFAULT_OVERLAP_BUCKETS,
    max_points: int = MAX_POINTS_PER_QUERY,
) -> PullResult:
    """Pull the buckets of ``indicator`` not stored yet (plus a small overlap) and upsert them.

    Each chunk is stored as soon as it is read, so an interrupted pull resumes where it stopped.
    """
    if indicator.source != IndicatorSource.PROMETHEUS:
        raise PrometheusError(f"Indicator {indicator.pk} is not a Prometheus indicator.")
    if not (indicator.good_query and indicator.total_query):
        raise PrometheusError(f"Indicator {indicator.pk} needs both a good and a total query.")
    step = step or _setting("PROMETHEUS_STEP_SECONDS", DEFAULT_STEP_SECONDS)
    backfill_days = backfill_days or _setting("PROMETHEUS_BACKFILL_DAYS", DEFAULT_BACKFILL_DAYS)
    client = client or PrometheusClient()
    now = now or timezone.now()
    last_start = SLISample.objects.filter(indicator=indicator).aggregate(last=Max("start"))["last"]
    window = pull_window(
        last_start=last_start, now=now, step=step, backfill_days=backfill_days, overlap=overlap
    )
    if window is None:
        return PullResult(indicator.pk, None, None, 0, 0, 0)
    created = updated = buckets = 0
    for chunk_start, chunk_end in _chunks(*window, step, max_points):
        try:
            good = client.query_range(
                indicator.good_query, start=chunk_start, end=chunk_end, step=step
            )
            total = client.query_range(
                indicator.total_query, start=chunk_start, end=chunk_end, step=step
            )
            rows = buckets_from_matrices(
                indicator_id=indicator.pk, good=good, total=total, step=step
            )
        except PrometheusError as error:
            raise type(error)(f"Indicator {indicator.pk} ({indicator}): {error}") from error
        if rows:
            result: UpsertResult = samples_upsert(rows=rows)
            created += result.created
            updated += result.updated
            buckets += len(rows)
    first_end, last_end = window
    return PullResult(
        indicator_id=indicator.pk,
        start=datetime.fromtimestamp(first_end - step, tz=UTC),
        end=datetime.fromtimestamp(last_end, tz=UTC),
        buckets=buckets,
        created=created,
        updated=updated,
    )


def prometheus_indicator_ids() -> list[int]:
    """Indicators the beat schedule pulls: Prometheus source with both queries."""
    return list(
        Indicator.objects.filter(source=IndicatorSource.PROMETHEUS)
        .exclude(good_query="")
        .exclude(total_query="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
