"""Turning query_range matrices into buckets, and choosing what to pull: no Prometheus needed."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.measurements import prometheus

STEP = 300
T0 = 1_790_000_100  # a multiple of STEP


def _matrix(points: dict[int, str], **labels) -> list[dict]:
    return [{"metric": labels, "values": [[t, v] for t, v in sorted(points.items())]}]


def _at(second: int) -> datetime:
    return datetime.fromtimestamp(second, tz=UTC)


def _buckets(good, total):
    return prometheus.buckets_from_matrices(indicator_id=7, good=good, total=total, step=STEP)


def test_a_point_at_t_counts_the_bucket_ending_at_t():
    rows = _buckets(_matrix({T0: "9"}), _matrix({T0: "10"}))

    assert [(r.indicator_id, r.start, r.end, r.good, r.total) for r in rows] == [
        (7, _at(T0 - STEP), _at(T0), 9, 10)
    ]


def test_extrapolated_fractions_are_rounded_to_whole_events():
    rows = _buckets(_matrix({T0: "99.6"}), _matrix({T0: "120.4"}))

    assert (rows[0].good, rows[0].total) == (100, 120)


def test_points_missing_from_either_query_give_no_sample():
    good = _matrix({T0: "1", T0 + STEP: "2"})
    total = _matrix({T0 + STEP: "3", T0 + 2 * STEP: "4"})

    rows = _buckets(good, total)

    assert [(r.start, r.good, r.total) for r in rows] == [(_at(T0), 2, 3)]


def test_an_empty_answer_is_no_data():
    assert _buckets([], _matrix({T0: "5"})) == []


def test_nan_points_are_skipped_as_missing():
    rows = _buckets(_matrix({T0: "NaN", T0 + STEP: "1"}), _matrix({T0: "0", T0 + STEP: "1"}))

    assert [r.start for r in rows] == [_at(T0)]


def test_good_above_total_is_a_wrong_query_and_names_the_bucket():
    with pytest.raises(prometheus.PrometheusDataError, match=r"good 12 is above total 10"):
        _buckets(_matrix({T0: "12"}), _matrix({T0: "10"}))


def test_good_a_fraction_above_total_when_all_events_were_good_is_rounding_noise():
    rows = _buckets(_matrix({T0: "100.4"}), _matrix({T0: "100.0"}))

    assert (rows[0].good, rows[0].total) == (100, 100)


def test_negative_counts_are_refused():
    with pytest.raises(prometheus.PrometheusDataError, match="not negative"):
        _buckets(_matrix({T0: "-1"}), _matrix({T0: "10"}))


def test_several_series_in_one_answer_are_refused_with_a_hint():
    several = _matrix({T0: "1"}, code="200") + _matrix({T0: "1"}, code="404")

    with pytest.raises(prometheus.PrometheusDataError, match=r"2 series.*sum\(increase"):
        _buckets(several, _matrix({T0: "2"}))


def test_first_pull_starts_backfill_days_ago_aligned_to_the_step(settings):
    settings.PROMETHEUS_SETTLE_SECONDS = 60
    now = _at(T0 + 1000)

    first_end, last_end = prometheus.pull_window(
        last_start=None, now=now, step=STEP, backfill_days=2, overlap=2
    )

    assert first_end == T0 + 900 - 2 * 86_400 + STEP
    assert last_end == T0 + 900  # the last bucket that ended at least a minute ago


def test_later_pulls_resume_from_the_last_stored_bucket_minus_the_overlap(settings):
    settings.PROMETHEUS_SETTLE_SECONDS = 60
    last_start = _at(T0)

    first_end, last_end = prometheus.pull_window(
        last_start=last_start, now=_at(T0 + 3000), step=STEP, backfill_days=30, overlap=2
    )

    assert first_end == T0 - 2 * STEP + STEP
    assert last_end == T0 + 2700


def test_nothing_to_pull_until_a_new_bucket_has_settled(settings):
    settings.PROMETHEUS_SETTLE_SECONDS = 60
    now = _at(T0) + timedelta(seconds=STEP + 30)

    window = prometheus.pull_window(
        last_start=_at(T0), now=now, step=STEP, backfill_days=30, overlap=0
    )

    assert window is None


def test_chunks_cover_the_window_once_without_overlap():
    chunks = list(prometheus._chunks(T0, T0 + 20 * STEP, STEP, 7))

    covered = [t for start, end in chunks for t in range(start, end + 1, STEP)]
    assert covered == list(range(T0, T0 + 21 * STEP, STEP))
    assert all((end - start) // STEP + 1 <= 7 for start, end in chunks)
