"""One way to write a percentage, an amount and a date (apps/core/formatting.py)."""

from datetime import date, datetime
from decimal import Decimal

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from apps.core import formatting


def test_a_measured_percentage_is_rounded_down_to_two_places():
    assert formatting.percent(Decimal("99.8999")) == "99.89 %"
    assert formatting.percent("99.9835") == "99.98 %"  # packets store text
    assert formatting.percent(Decimal("100.0000")) == "100 %"
    assert formatting.percent(Decimal("99.90")) == "99.9 %"
    assert formatting.percent(None) == "no data"


def test_budget_left_is_a_share_rounded_down_to_one_place():
    assert formatting.budget_left(Decimal("0.9608")) == "96 %"
    assert formatting.budget_left(Decimal("0.12345")) == "12.3 %"
    assert formatting.budget_left(Decimal("0.99999")) == "99.9 %"  # never shown as all left
    assert formatting.budget_left(Decimal("-0.12345")) == "-12.4 %"  # overspent: never less
    assert formatting.budget_left(Decimal(-99)) == "-9900 %"
    assert formatting.budget_left("0.5") == "50 %"  # packets store text
    assert formatting.budget_left(Decimal("-Infinity")) == "all spent (100 % SLO)"
    assert formatting.budget_left(None) == "no data"
    assert formatting.budget_left(None, none="—") == "—"


def test_a_target_is_written_exactly_as_agreed():
    assert formatting.target(Decimal("99.9900")) == "99.99 %"
    assert formatting.target("99.9950") == "99.995 %"
    assert formatting.target(Decimal("100.00")) == "100 %"
    assert formatting.target(None) == "—"


def test_an_amount_has_separators_and_its_currency_code():
    assert formatting.amount(Decimal("32450")) == "32,450.00"
    assert formatting.money(Decimal("32450.00"), "EUR") == "32,450.00 EUR"
    assert formatting.money("1000.005", "usd") == "1,000.01 USD"
    assert formatting.money(None, "EUR") == "—"


def test_a_margin_is_in_points_without_trailing_zeros():
    assert formatting.points("-0.9000") == "-0.9 points"
    assert formatting.points(Decimal("0.0500")) == "0.05 points"


def test_a_date_is_iso():
    assert formatting.day(date(2025, 1, 1)) == "2025-01-01"
    assert formatting.day(datetime(2027, 1, 1, 14, 30)) == "2027-01-01"


@given(st.decimals(min_value=0, max_value=100, places=6))
def test_a_measured_percentage_never_reads_higher_than_attained(value):
    written = Decimal(formatting.percent(value).removesuffix(" %"))
    assert written <= value
    assert value - written < Decimal("0.01")


@given(st.decimals(min_value=0, max_value=100, places=4))
def test_a_target_reads_back_as_itself(value):
    assert Decimal(formatting.target(value).removesuffix(" %")) == value


def test_templates_write_figures_through_the_same_rules():
    html = Template(
        "{% load formatting %}{{ a|percent }} · {{ t|target }} · {{ fee|money:'EUR' }} · "
        "{{ d|day }} · {{ plain }}"
    ).render(
        Context(
            {
                "a": "99.8999",
                "t": Decimal("99.9900"),
                "fee": Decimal("32450.00"),
                "d": date(2025, 1, 1),
                "plain": date(2025, 1, 1),  # a date left unformatted is ISO too
            }
        )
    )
    assert html == "99.89 % · 99.99 % · 32,450.00 EUR · 2025-01-01 · 2025-01-01"


def test_verdicts_are_labelled_as_their_badges_write_them():
    from apps.contracts.models import Commitment

    assert Commitment(verdict="NO_SLO").get_verdict_display() == "NO SLO"
    assert Commitment(verdict="MISMATCH").get_verdict_display() == "MISMATCH"


def test_file_sizes_are_written_in_steps_of_1024():
    sizes = [0, 1, 1023, 1536, 1024 * 1024 - 1, 20 * 1024 * 1024, 3 * 1024**4, None]
    assert [formatting.file_size(size) for size in sizes] == [
        "0 bytes",
        "1 byte",
        "1023 bytes",
        "1.5 KB",
        "1 MB",  # rounded before the unit is chosen: never "1024 KB"
        "20 MB",
        "3072 GB",
        "—",
    ]


def test_the_slo_chart_axis_has_round_distinct_ticks():
    from apps.core.charts import axis_ticks

    ticks = axis_ticks(Decimal("99.885"), Decimal(100))
    labels = [formatting.trimmed(t) for t in ticks]
    assert labels == ["99.9", "99.92", "99.94", "99.96", "99.98", "100"]
    assert len(set(labels)) == len(labels)
    assert [formatting.trimmed(t) for t in axis_ticks(Decimal(0), Decimal(100))] == [
        "0",
        "20",
        "40",
        "60",
        "80",
        "100",
    ]
