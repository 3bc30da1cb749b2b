"""OpenSLO validation: every problem names its line and field, as the v1 spec defines them."""

from decimal import Decimal
from textwrap import dedent

import pytest

from apps.catalog.choices import IndicatorSource
from apps.measurements.openslo import OpenSLOError
from apps.measurements.openslo.documents import parse
from apps.slos.choices import BudgetingMethod, SloWindow

SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-requests
    spec:
      ratioMetric:
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(increase(http_requests_total{code!~"5.."}[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(increase(http_requests_total[5m]))
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good
      target: 0.999
"""
TARGET_LINE = 29  # "target: 0.999" above


def problems(text: str) -> list[str]:
    with pytest.raises(OpenSLOError) as raised:
        parse(text)
    return raised.value.messages


def test_a_valid_slo_with_an_inline_indicator_is_read_with_exact_percentages():
    parsed = parse(SLO)

    (slo,) = parsed.slos
    assert (slo.name, slo.display_name, slo.service) == (
        "checkout-availability",
        "Checkout availability",
        "checkout",
    )
    assert slo.target == Decimal("99.9000")
    assert (slo.window, slo.budgeting_method) == (
        SloWindow.ROLLING_28D,
        BudgetingMethod.OCCURRENCES,
    )
    assert slo.indicator.source == IndicatorSource.PROMETHEUS
    assert slo.indicator.good_query == 'sum(increase(http_requests_total{code!~"5.."}[5m]))'
    assert parsed.warnings == []


def test_target_outside_zero_to_one_names_its_line_and_path():
    text = SLO.replace("target: 0.999", "target: 99.9")

    assert problems(text) == [
        f"line {TARGET_LINE}: spec.objectives[0].target: must be in [0, 1) (got 99.9)"
    ]


def test_target_percent_is_accepted_as_the_spec_allows():
    parsed = parse(SLO.replace("target: 0.999", "targetPercent: 99.95"))

    assert parsed.slos[0].target == Decimal("99.9500")


def test_target_and_target_percent_together_are_refused():
    text = SLO.replace("target: 0.999", "target: 0.999\n      targetPercent: 99.9")

    assert problems(text) == [
        f"line {TARGET_LINE + 1}: spec.objectives[0].targetPercent: "
        "give target or targetPercent, not both"
    ]


def test_target_finer_than_covenant_keeps_is_refused():
    text = SLO.replace("target: 0.999", "target: 0.9999999")

    assert problems(text) == [
        f"line {TARGET_LINE}: spec.objectives[0].target: 99.99999 % has more than 4 decimal "
        "places (Covenant keeps targets to 0.0001 %)"
    ]


def test_missing_required_fields_point_at_their_parent():
    text = dedent(
        """\
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          displayName: No name
        spec:
          indicatorRef: checkout-requests
          objectives:
            - target: 0.99
        """
    )

    assert problems(text) == [
        "line 3: metadata.name: required",
        "line 5: spec.budgetingMethod: required",
        "line 5: spec.service: required",
        "line 5: spec.timeWindow: required",
    ]


@pytest.mark.parametrize(
    "name",
    ["Checkout", "checkout_api", "-checkout", "checkout-", "a" * 64, "checkout api"],
)
def test_names_must_be_rfc_1123_labels(name):
    text = SLO.replace("name: checkout-availability", f"name: {name}")

    (problem,) = problems(text)
    assert problem.startswith(f"line 4: metadata.name: {name!r} is not an RFC 1123 label")


def test_wrong_api_version_and_unknown_kind_are_refused():
    assert problems(SLO.replace("openslo/v1", "openslo/v1alpha")) == [
        "line 1: apiVersion: must be openslo/v1 (got 'openslo/v1alpha')"
    ]
    assert problems(SLO.replace("kind: SLO", "kind: Objective"))[0].startswith(
        "line 2: kind: 'Objective' is not an OpenSLO v1 kind"
    )


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("duration: 7d\n      isRolling: true", SloWindow.ROLLING_7D),
        ("duration: 1w\n      isRolling: true", SloWindow.ROLLING_7D),
        ("duration: 4w\n      isRolling: true", SloWindow.ROLLING_28D),
        ("duration: 720h\n      isRolling: true", SloWindow.ROLLING_30D),
        ("duration: 1M\n      calendar:\n        timeZone: Europe/Paris", SloWindow.MONTH),
        (
            "duration: 1Q\n      isRolling: false\n      calendar: {timeZone: UTC}",
            SloWindow.QUARTER,
        ),
        ("duration: 3M\n      calendar: {timeZone: UTC}", SloWindow.QUARTER),
    ],
)
def test_windows_map_to_covenants(window, expected):
    parsed = parse(SLO.replace("duration: 28d\n      isRolling: true", window))

    assert parsed.slos[0].window == expected


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            "duration: 2w\n      isRolling: true",
            "a rolling window of 2w (2 weeks) is not supported",
        ),
        (
            "duration: 1M\n      isRolling: true",
            "a rolling window of 1M (1 month) has no fixed length",
        ),
        (
            "duration: 1Y\n      calendar: {timeZone: UTC}",
            "a calendar window of 1Y (1 year) is not",
        ),
        ("duration: 1m\n      calendar: {timeZone: UTC}", "1m (1 minute; a month is 1M)"),
        ("duration: 28 days\n      isRolling: true", "'28 days' is not a duration"),
    ],
)
def test_unsupported_windows_are_refused_with_the_reason(window, message):
    text = SLO.replace("duration: 28d\n      isRolling: true", window)

    (problem,) = problems(text)
    assert problem.startswith("line 24: spec.timeWindow[0].duration: ")
    assert message in problem


def test_an_unknown_calendar_time_zone_is_refused_on_its_line():
    text = SLO.replace(
        "duration: 28d\n      isRolling: true",
        "duration: 1M\n      calendar:\n        timeZone: Mars/Olympus",
    )

    assert problems(text) == [
        "line 26: spec.timeWindow[0].calendar.timeZone: 'Mars/Olympus' is not an IANA time zone "
        "(e.g. Europe/Paris)"
    ]


def test_timeslices_need_a_slice_target_in_zero_to_one():
    text = SLO.replace("Occurrences", "Timeslices")
    assert problems(text) == [
        f"line {TARGET_LINE - 1}: spec.objectives[0].timeSliceTarget: required",
        f"line {TARGET_LINE - 1}: spec.objectives[0].timeSliceWindow: required",
    ]

    text = SLO.replace("Occurrences", "Timeslices").replace(
        "target: 0.999", "target: 0.999\n      timeSliceTarget: 1.5\n      timeSliceWindow: 5m"
    )
    assert problems(text) == [
        f"line {TARGET_LINE + 1}: spec.objectives[0].timeSliceTarget: must be in (0, 1] (got 1.5)"
    ]


def test_bad_over_total_becomes_good_as_total_minus_bad():
    text = SLO.replace("        good:", "        bad:").replace('code!~"5.."', 'code=~"5.."')

    indicator = parse(text).slos[0].indicator

    assert indicator.good_query == (
        "(sum(increase(http_requests_total[5m]))) - "
        '(sum(increase(http_requests_total{code=~"5.."}[5m])))'
    )


def test_every_problem_of_a_file_is_reported_at_once_across_documents():
    second = SLO.replace("checkout-availability", "Second").replace("0.999", "1")
    text = SLO.replace("0.999", "-0.5") + "---\n" + second

    assert problems(text) == [
        f"line {TARGET_LINE}: spec.objectives[0].target: must be in [0, 1) (got -0.5)",
        "line 34: metadata.name: 'Second' is not an RFC 1123 label (lowercase letters, digits "
        "and '-', starting and ending with a letter or digit, at most 63 characters)",
        f"line {30 + TARGET_LINE}: spec.objectives[0].target: must be in [0, 1) (got 1)",
    ]


def test_broken_yaml_names_the_line():
    assert problems("apiVersion: openslo/v1\nkind: [SLO\n")[0].startswith("line 3: not valid YAML")


def test_duplicate_keys_and_duplicate_names_are_refused():
    text = SLO.replace("kind: SLO\n", "kind: SLO\nkind: SLO\n")
    assert problems(text)[0] == "line 3: kind: duplicate key (first on line 2)"

    text = SLO + "---\n" + SLO
    assert problems(text) == [
        "line 31: metadata.name: SLO 'checkout-availability' is already defined on line 1"
    ]


def test_unknown_fields_are_ignored_with_a_warning():
    parsed = parse(
        SLO.replace("  budgetingMethod:", "  budgetingMetod: Occurrences\n  budgetingMethod:")
    )

    assert [str(w) for w in parsed.warnings] == [
        "line 26: spec.budgetingMetod: unknown field, ignored"
    ]


def test_a_top_level_list_of_objects_is_read_like_separate_documents():
    service = (
        "- apiVersion: openslo/v1\n  kind: Service\n  metadata:\n    name: checkout\n  spec: {}\n"
    )

    parsed = parse(service + "---\n" + SLO)

    assert [s.name for s in parsed.services] == ["checkout"]
    assert [s.name for s in parsed.slos] == ["checkout-availability"]
