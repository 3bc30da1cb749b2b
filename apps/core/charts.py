"""Server-rendered SVG charts: pure Python, no Django, no JavaScript.

One way to draw a chart for every page and PDF (WeasyPrint draws inline SVG natively): a line
chart of measured values against flat reference lines (targets), and a bar chart. Each chart has
a <title> and a <desc>, a legend, and y-axis ticks at round steps written so that no two
neighbours read alike; the page puts a table with the exact figures beside it.

Every element carries its figure as data (``data-series``, ``data-label``, ``data-value``), so a
test reads what the chart shows. Every text is escaped here, so the markup is safe to embed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from html import escape

from . import formatting

# The house palette (static/css/covenant.css): ink, muted text, rules, accent, ok, warn, bad.
INK, MUTED, GRID = "#1b1f24", "#57606a", "#d0d7de"
MEASURED, MET, MISSED = "#0b5cad", "#2e7d32", "#c62828"
TARGETS = ["#b7791f", "#8e24aa", "#00838f", "#6d4c41", "#b35900"]
BARS = [MEASURED, "#b35900", MET, "#8e24aa", "#00838f", "#6d4c41"]
DASHES = ["6 4", "2 3", "8 3 2 3", "4 2"]

FONT_SIZE = 12
CHAR_WIDTH = 7.0  # an average glyph at FONT_SIZE, enough to keep labels from overlapping
TOP, RIGHT, X_AXIS, LEGEND_ROW = 12, 14, 28, 20

TickText = Callable[[Decimal, int], str]


@dataclass(frozen=True)
class Series:
    """Measured values, one per label (None: no data, a gap); bars in a bar chart."""

    label: str
    values: Sequence[Decimal | None]
    colour: str = MEASURED


@dataclass(frozen=True)
class Reference:
    """A flat line across the plot at ``value``: an SLO or SLA target, or zero."""

    label: str
    value: Decimal
    colour: str = MET
    dash: str = ""


@dataclass(frozen=True)
class Scale:
    low: Decimal
    high: Decimal
    ticks: list[Decimal]
    places: int  # decimal places of the step, so that neighbouring ticks differ when written


def _step(span: Decimal, wanted: int) -> Decimal:
    raw = span / wanted
    return min(
        (Decimal(m).scaleb(raw.adjusted()) for m in (1, 2, 5, 10)),
        key=lambda candidate: abs(span / candidate - wanted),
    )


def axis_ticks(low: Decimal, high: Decimal, wanted: int = 5) -> list[Decimal]:
    """Round values between ``low`` and ``high``: multiples of a step of 1, 2 or 5 times a power
    of ten, as near ``wanted`` of them as such a step gives (rounding 99.96 and 99.98 to three
    significant figures wrote both as "100"; multiples of the step never read alike)."""
    step = _step(high - low, wanted)
    tick = (low / step).to_integral_value(rounding=ROUND_CEILING) * step
    ticks = []
    while tick <= high:
        ticks.append(tick)
        tick += step
    return ticks


def scale(low: Decimal, high: Decimal, wanted: int = 5) -> Scale:
    """The axis from ``low`` to ``high`` widened to whole steps, with its ticks."""
    if high <= low:
        high = low + 1
    step = _step(high - low, wanted)
    low = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    high = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    places = max(0, -step.normalize().as_tuple().exponent)
    return Scale(low, high, axis_ticks(low, high, wanted), places)


def percent_scale(figures: Sequence[Decimal | None], wanted: int = 5) -> Scale:
    """A percentage axis up to 100 %, down to the lowest figure shown with room below it (a
    target and the months near it stay apart rather than squashed on one line)."""
    shown = [f for f in figures if f is not None and f.is_finite()] or [Decimal(100)]
    span = max(Decimal(100) - min(shown), Decimal("0.05")) * Decimal("1.15")
    return scale(max(Decimal(100) - span, Decimal(0)), Decimal(100), wanted)


def count_scale(counts: Sequence[Decimal]) -> Scale:
    """An axis of whole things (tickets, breaches) from 0: no more ticks than the largest count,
    so that no step is a fraction of one."""
    most = max([1, *(int(count) for count in counts)])
    return scale(Decimal(0), Decimal(most), wanted=min(5, most))


def percent_tick(value: Decimal, places: int) -> str:
    return formatting.percent(value, places=places)


def amount_tick(value: Decimal, places: int) -> str:
    return formatting.amount(value)


def count_tick(value: Decimal, places: int) -> str:
    return formatting.trimmed(value)


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _legend(items: list[tuple[str, str, str, str]], left: float, width: float) -> list[list]:
    """Legend items (label, colour, kind, dash) laid out in rows that fit ``width``."""
    rows: list[list] = [[]]
    x = left
    for item in items:
        size = 26 + _text_width(item[0]) + 14
        if rows[-1] and x + size > width:
            rows.append([])
            x = left
        rows[-1].append((x, *item))
        x += size
    return rows if rows[0] else []


class _Frame:
    """The plot area, its axes and legend; the charts below draw into it."""

    def __init__(self, *, labels, scale_, tick_text, legend, width, plot_height):
        self.labels, self.scale, self.width = list(labels), scale_, width
        self.tick_labels = [tick_text(t, scale_.places) for t in scale_.ticks]
        self.left = 10 + max((_text_width(t) for t in self.tick_labels), default=0)
        self.right = width - RIGHT
        self.top, self.bottom = TOP, TOP + plot_height
        self.legend_rows = _legend(legend, self.left, self.right)
        self.height = self.bottom + X_AXIS + LEGEND_ROW * len(self.legend_rows) + 4
        self.band = (self.right - self.left) / max(len(self.labels), 1)

    def y(self, value: Decimal) -> float:
        low, high = self.scale.low, self.scale.high
        clamped = min(max(value, low), high)
        return round(
            self.bottom - float((clamped - low) / (high - low)) * (self.bottom - self.top), 1
        )

    def x(self, index: int) -> float:
        return round(self.left + (index + 0.5) * self.band, 1)

    def open(self, chart_id: str, title: str, description: str) -> list[str]:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
            f'viewBox="0 0 {self.width} {self.height}" width="100%" '
            f'style="display: block; max-width: {self.width}px; margin: 0.75rem 0" '
            f'font-family="sans-serif" font-size="{FONT_SIZE}">',
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
            f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
            f'<g class="axis" fill="{MUTED}">',
        ]
        for tick, text in zip(self.scale.ticks, self.tick_labels, strict=True):
            y = self.y(tick)
            parts.append(
                f'<line x1="{self.left}" x2="{self.right}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
                f'<text class="tick" x="{self.left - 6}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle">{escape(text)}</text>'
            )
        widest = max((_text_width(label) for label in self.labels), default=0) + 8
        every = max(1, -(-int(widest) // max(int(self.band), 1)))
        for index, label in enumerate(self.labels):
            if index % every == 0:
                parts.append(
                    f'<text class="label" x="{self.x(index)}" y="{self.bottom + 17}" '
                    f'text-anchor="middle">{escape(label)}</text>'
                )
        parts.append("</g>")
        return parts

    def close(self) -> list[str]:
        parts = ['<g class="legend" fill="' + INK + '">']
        for row_index, row in enumerate(self.legend_rows):
            y = self.bottom + X_AXIS + LEGEND_ROW * row_index + 8
            for x, label, colour, kind, dash in row:
                if kind == "bar":
                    swatch = f'<rect x="{x}" y="{y - 5}" width="18" height="10" fill="{colour}"/>'
                elif kind == "dot":
                    swatch = f'<circle cx="{x + 9}" cy="{y}" r="3.5" fill="{colour}"/>'
                else:
                    dashed = f' stroke-dasharray="{dash}"' if dash else ""
                    swatch = (
                        f'<line x1="{x}" x2="{x + 18}" y1="{y}" y2="{y}" stroke="{colour}" '
                        f'stroke-width="2.5"{dashed}/>'
                    )
                parts.append(
                    f"{swatch}"
                    f'<text x="{x + 24}" y="{y}" dominant-baseline="central">{escape(label)}</text>'
                )
        parts.append("</g></svg>")
        return parts


def _data(value: Decimal) -> str:
    return formatting.trimmed(value)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    references: Sequence[Reference] = (),
    scale_: Scale,
    tick_text: TickText,
    value_text: Callable[[Decimal], str],
    missed_below: Decimal | None = None,
    width: int = 600,
    plot_height: int = 200,
) -> str:
    """Lines of measured values (a gap where there is none) over flat reference lines; a point
    under ``missed_below`` is drawn red."""
    legend = [(s.label, s.colour, "line", "") for s in series]
    legend += [(r.label, r.colour, "line", r.dash) for r in references]
    if missed_below is not None:
        legend.append((f"Under {formatting.target(missed_below)}", MISSED, "dot", ""))
    frame = _Frame(
        labels=labels,
        scale_=scale_,
        tick_text=tick_text,
        legend=legend,
        width=width,
        plot_height=plot_height,
    )
    parts = frame.open(chart_id, title, description)
    for reference in references:
        y = frame.y(reference.value)
        dashed = f' stroke-dasharray="{reference.dash}"' if reference.dash else ""
        parts.append(
            f'<line class="reference" data-series="{escape(reference.label)}" '
            f'data-value="{_data(reference.value)}" x1="{frame.left}" x2="{frame.right}" '
            f'y1="{y}" y2="{y}" stroke="{reference.colour}" stroke-width="2"{dashed}/>'
        )
    for one in series:
        parts.append(f'<g class="series" data-series="{escape(one.label)}">')
        segments: list[list[str]] = [[]]
        points = []
        for index, value in enumerate(one.values):
            if value is None or not value.is_finite():
                segments.append([])
                continue
            x, y = frame.x(index), frame.y(value)
            segments[-1].append(f"{x},{y}")
            missed = missed_below is not None and value < missed_below
            colour = MISSED if missed else one.colour
            # A value beyond the axis sits on its edge, drawn hollow: the table has the figure.
            beyond = not frame.scale.low <= value <= frame.scale.high
            fill = (
                f'fill="#fff" stroke="{colour}" stroke-width="2"' if beyond else f'fill="{colour}"'
            )
            points.append(
                f'<circle class="point{" beyond" if beyond else ""}" '
                f'data-label="{escape(labels[index])}" data-value="{_data(value)}" '
                f'cx="{x}" cy="{y}" r="3.5" {fill}>'
                f"<title>{escape(labels[index])}: {escape(value_text(value))}</title></circle>"
            )
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" '
                    f'stroke="{one.colour}" stroke-width="2"/>'
                )
        parts.extend(points)
        parts.append("</g>")
    if not any(v is not None and v.is_finite() for one in series for v in one.values):
        parts.append(
            f'<text class="empty" x="{(frame.left + frame.right) / 2}" '
            f'y="{frame.top + 16}" text-anchor="middle" fill="{MUTED}" stroke="#fff" '
            'stroke-width="4" paint-order="stroke">No data yet</text>'
        )
    parts.extend(frame.close())
    return "".join(parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    tick_text: TickText,
    value_text: Callable[[Decimal, str], str],
    width: int = 600,
    plot_height: int = 200,
    scale_: Scale | None = None,
) -> str:
    """Bars side by side in each label's band, one per series (a currency, say), from zero;
    ``scale_`` fixes the axis (a share from 0 to 100 %), else it fits the bars."""
    values = [v for s in series for v in s.values if v is not None]
    frame = _Frame(
        labels=labels,
        scale_=scale_
        or scale(min([Decimal(0), *values]), max([Decimal(0), *values]) or Decimal(1)),
        tick_text=tick_text,
        legend=[(s.label, s.colour, "bar", "") for s in series],
        width=width,
        plot_height=plot_height,
    )
    parts = frame.open(chart_id, title, description)
    bar = frame.band * 0.7 / max(len(series), 1)
    zero = frame.y(Decimal(0))
    for series_index, one in enumerate(series):
        parts.append(f'<g class="series" data-series="{escape(one.label)}">')
        for index, value in enumerate(one.values):
            if value is None:
                continue
            x = round(frame.left + index * frame.band + frame.band * 0.15 + series_index * bar, 1)
            y = frame.y(value)
            parts.append(
                f'<rect class="bar" data-label="{escape(labels[index])}" '
                f'data-value="{_data(value)}" x="{x}" y="{min(y, zero)}" '
                f'width="{round(bar, 1)}" height="{round(abs(zero - y), 1)}" fill="{one.colour}">'
                f"<title>{escape(labels[index])}: {escape(value_text(value, one.label))}</title>"
                "</rect>"
            )
        parts.append("</g>")
    parts.extend(frame.close())
    return "".join(parts)


def target_references(targets: Sequence[tuple[str, Decimal, str]]) -> list[Reference]:
    """References for (label, value, kind): kind "slo" solid green, "floor" (budget spent, say)
    dotted red, "sla" each its own colour and dash, so lines at near targets stay told apart."""
    references, sla_index = [], 0
    for label, value, kind in targets:
        if kind == "slo":
            references.append(Reference(label, value, MET))
        elif kind == "floor":
            references.append(Reference(label, value, MISSED, "2 3"))
        else:
            colour = TARGETS[sla_index % len(TARGETS)]
            references.append(Reference(label, value, colour, DASHES[sla_index % len(DASHES)]))
            sla_index += 1
    return references
