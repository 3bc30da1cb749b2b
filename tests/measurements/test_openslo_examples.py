"""The importer against OpenSLO documents written by others (see the README beside them).

None of them is Covenant's own; each is imported as published, and the invalid ones must be
explained line by line, never crash the importer nor leave anything behind.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from apps.catalog.choices import IndicatorSource
from apps.catalog.models import Indicator, Service
from apps.measurements.openslo import OpenSLOError, openslo_import
from apps.slos.choices import BudgetingMethod, SloStatus, SloWindow
from apps.slos.models import SLO
from tests.conftest import require

# shared/ stands beside the checkout, locally and in CI.
EXAMPLES = Path(
    os.environ.get(
        "OPENSLO_EXAMPLES", Path(__file__).resolve().parents[3] / "shared" / "openslo-examples"
    )
)
NAME_RULE = (
    "is not an RFC 1123 label (lowercase letters, digits and '-', starting and ending with a "
    "letter or digit, at most 63 characters)"
)
OP_FORBIDDEN = (
    "forbidden: op and value compare a thresholdMetric; a ratioMetric objective has only a target"
)


def example(name: str) -> str:
    path = EXAMPLES / name
    require(path.is_file(), f"needs the shared OpenSLO examples ({path})")
    return path.read_text()


def refused(name: str, text: str | None = None) -> OpenSLOError:
    with pytest.raises(OpenSLOError) as raised:
        openslo_import(text=text if text is not None else example(name))
    assert not Service.objects.exists()
    return raised.value


def test_alert_conditions_are_skipped_with_a_warning_and_nothing_is_written(db):
    report = openslo_import(text=example("alert-conditions.yaml"))

    assert report.warnings == [
        "line 2: kind: AlertCondition 'cpu-usage-breach' skipped: Covenant imports Service, SLI "
        "and SLO"
    ]
    assert sum(report.created.values()) == 0


def test_alert_policy_named_against_the_spec_is_refused_on_its_name_line(db):
    error = refused("alert-policy.yaml")

    assert error.messages == [f"line 4: metadata.name: 'AlertPolicy' {NAME_RULE}"]


def test_occurrences_example_explains_its_threshold_metric_and_two_week_window(db):
    error = refused("occurrences-slo.yaml")

    assert error.messages == [
        "line 15: spec.indicator.spec.thresholdMetric: only ratioMetric indicators can be "
        "imported: Covenant measures every SLI as good events out of all events, and a threshold "
        "metric has no such counts",
        "line 21: spec.timeWindow[0].duration: a rolling window of 2w (2 weeks) is not supported: "
        "Covenant's rolling windows are 7d (1w), 28d (4w) and 30d",
    ]


def test_ratio_timeslices_example_is_refused_for_its_method_window_and_forbidden_op(db):
    error = refused("ratio-timeslices-slo.yaml")

    assert [message.split(":")[0:2] for message in error.messages] == [
        ["line 27", " spec.timeWindow[0].duration"],
        ["line 29", " spec.budgetingMethod"],
        ["line 32", " spec.objectives[0].op"],
    ]
    assert "RatioTimeslices (the average of the slices' ratios) is not supported" in str(error)
    assert f"line 32: spec.objectives[0].op: {OP_FORBIDDEN}" in error.messages


def test_timeslices_example_one_minute_window_is_caught_despite_its_comment(db):
    error = refused("timeslices-slo.yaml")

    assert error.messages == [
        "line 27: spec.timeWindow[0].duration: a calendar window of 1m (1 minute; a month is 1M) "
        "is not supported: Covenant's calendar windows are 1M (a month) and 1Q (a quarter)",
        "line 33: spec.objectives: has 2 objectives; Covenant keeps one target per SLO (an SLA "
        "belongs on a contract commitment): split them into one SLO each",
        f"line 35: spec.objectives[0].op: {OP_FORBIDDEN}",
    ]


def test_oslo_reference_input_gives_the_reference_validators_findings_and_more(db):
    error = refused("oslo-validate-v1.yaml")

    assert error.messages == [
        "line 32: spec.timeWindow[0].duration: a calendar window of 1w (1 week) is not supported: "
        "Covenant's calendar windows are 1M (a month) and 1Q (a quarter)",
        f"line 40: spec.objectives[0].op: {OP_FORBIDDEN}",
        f"line 59: metadata.name: 'example service' {NAME_RULE}",
    ]


def test_timeslices_example_imports_once_its_reported_problems_are_fixed(payments_team):
    text = example("timeslices-slo.yaml")
    fixed = (
        text.replace("duration: 1m #", "duration: 1M #")
        .replace("      op: gt\n", "")
        .split("    - displayName: SLA")[0]
    )

    report = openslo_import(text=fixed, team=payments_team)

    slo = SLO.objects.get(indicator__service__slug="web-availability")
    assert (slo.name, slo.window, slo.timezone) == (
        "Reflaction of out availability SLA",
        SloWindow.MONTH,
        "America/New_York",
    )
    assert (slo.budgeting_method, slo.target, slo.timeslice_target) == (
        BudgetingMethod.TIMESLICES,
        Decimal("99.5"),
        Decimal("99"),
    )
    assert slo.status == SloStatus.ACTIVE
    assert slo.indicator.source == IndicatorSource.API  # "type: Any" is not pulled
    assert any("startTime: ignored" in warning for warning in report.warnings)


def test_oslo_reference_input_imports_once_fixed_with_the_team_chosen_among_its_labels(db):
    from tests.factories import TeamFactory

    team_a = TeamFactory(name="team-a")
    TeamFactory(name="team-b")
    text = example("oslo-validate-v1.yaml")
    fixed = (
        text.replace("duration: 1w", "duration: 1M")
        .replace("        op: gt\n", "")
        .replace("name: example service", "name: example-service-2")
    )

    report = openslo_import(text=fixed, team=team_a)

    assert set(Service.objects.values_list("slug", "team__name")) == {
        ("web", "team-a"),
        ("example-service", "team-a"),
        ("example-service-2", "team-a"),
    }
    indicator = Indicator.objects.get(service__slug="web")
    assert indicator.source == IndicatorSource.PROMETHEUS
    assert indicator.good_query == (
        'sum(http_requests{k8s_cluster="prod",component="web",code=~"2xx|4xx"})'
    )
    slo = SLO.objects.get(indicator=indicator)
    assert (slo.target, slo.timeslice_target) == (Decimal("99.5"), Decimal("95"))
    assert any("ratioMetric.counter: Covenant runs each query" in w for w in report.warnings)


def test_labels_naming_several_teams_need_the_team_option(db):
    from tests.factories import TeamFactory

    TeamFactory(name="team-a")
    text = example("oslo-validate-v1.yaml").split("- apiVersion: openslo/v1\n  kind: Service")
    service_only = "- apiVersion: openslo/v1\n  kind: Service" + text[1]

    error = refused("oslo-validate-v1.yaml", service_only)

    assert error.messages == [
        "line 7: metadata.labels.team: names several teams (team-a, team-b) but a service has one "
        "owner: keep one, or choose one of them with the team option"
    ]
