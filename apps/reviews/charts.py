"""Inline SVG charts for packet pages and PDFs, drawn by the one chart helper (apps.core.charts).

WeasyPrint draws inline SVG natively, so the page and the PDF show the same picture.
"""

from __future__ import annotations

from decimal import Decimal

from apps.core import charts, formatting

# Small enough for a PDF page beside its table; four ticks keep the axis text apart.
WIDTH, PLOT_HEIGHT, TICKS = 560, 120, 4


def attainment_chart(
    points: list[tuple[str, str | None]],
    target: str,
    title: str,
    *,
    chart_id: str,
    target_kind: str,
) -> str:
    """A line of monthly attainment (%) against the target, an SLO's (``target_kind`` "slo")
    or an SLA's ("sla"), drawn as the dashboards draw each.

    ``points``: (label, attainment or None for no data). Months without data leave a gap.
    ``chart_id`` is unique on the page: a line's chart may show twice (among the SLAs and under
    its contract).
    """
    goal = Decimal(target)
    target_label = target_kind.upper()
    values = [None if v is None else Decimal(v) for _, v in points]
    references = charts.target_references(
        [(f"{target_label} {formatting.target(goal)}", goal, target_kind)]
    )
    return charts.line_chart(
        chart_id=chart_id,
        title=title,
        description=(
            f"Attainment per month against {target_label} {formatting.target(goal)}; red points "
            "missed it. The table beside the chart has the exact figures."
        ),
        labels=[label for label, _ in points],
        series=[charts.Series("Attainment", values)],
        references=references,
        scale_=charts.percent_scale([*values, goal], TICKS),
        tick_text=charts.percent_tick,
        value_text=formatting.percent,
        missed_below=goal,
        width=WIDTH,
        plot_height=PLOT_HEIGHT,
    )
