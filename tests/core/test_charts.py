"""The one SVG chart helper: ticks that read apart, its data on every mark, escaped text."""

from decimal import Decimal
from xml.etree import ElementTree

from apps.core import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_ticks_near_100_percent_are_written_so_neighbours_differ():
    # Rounded to three significant figures this axis read "100 %, 100 %, 99.9 %".
    axis = charts.percent_scale([Decimal("99.95"), Decimal("99.92"), Decimal("99.9")])
    written = [charts.percent_tick(tick, axis.places) for tick in axis.ticks]
    assert written[-1] == "100 %"
    assert len(set(written)) == len(written) > 2
    assert all(text.endswith(" %") for text in written)


def test_a_line_chart_carries_its_figures_title_and_description():
    markup = charts.line_chart(
        chart_id="c1",
        title="Availability <api> & co",
        description="Attainment per month.",
        labels=["2026-01", "2026-02", "2026-03"],
        series=[charts.Series("Attainment", [Decimal("99.95"), None, Decimal("99.5")])],
        references=charts.target_references([("SLO 99.9 %", Decimal("99.9"), "slo")]),
        scale_=charts.percent_scale([Decimal("99.5"), Decimal("99.9")]),
        tick_text=charts.percent_tick,
        value_text=str,
        missed_below=Decimal("99.9"),
    )
    svg = ElementTree.fromstring(markup)  # well-formed: the title was escaped
    assert svg.find(f"{SVG}title").text == "Availability <api> & co"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    points = [e for e in svg.iter(f"{SVG}circle") if "point" in e.get("class", "")]
    assert [(p.get("data-label"), p.get("data-value")) for p in points] == [
        ("2026-01", "99.95"),
        ("2026-03", "99.5"),
    ]
    assert [p.get("fill") for p in points] == [charts.MEASURED, charts.MISSED]
    assert not list(svg.iter(f"{SVG}polyline"))  # a month without data leaves a gap
    (target,) = [e for e in svg.iter(f"{SVG}line") if e.get("class") == "reference"]
    assert target.get("data-value") == "99.9"


def test_a_bar_chart_has_one_bar_per_label_and_series():
    markup = charts.bar_chart(
        chart_id="credits",
        title="Credits",
        description="Per month.",
        labels=["2026-01", "2026-02"],
        series=[
            charts.Series("EUR", [Decimal(200), Decimal(0)]),
            charts.Series("USD", [Decimal(50), Decimal(10)], charts.BARS[1]),
        ],
        tick_text=charts.amount_tick,
        value_text=lambda value, currency: f"{value} {currency}",
    )
    svg = ElementTree.fromstring(markup)
    bars = [e for e in svg.iter(f"{SVG}rect") if e.get("class") == "bar"]
    assert [b.get("data-value") for b in bars] == ["200", "0", "50", "10"]
    ticks = [e.text for e in svg.iter(f"{SVG}text") if e.get("class") == "tick"]
    assert ticks[0] == "0.00" and len(set(ticks)) == len(ticks)
