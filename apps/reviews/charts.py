"""Inline SVG charts for packet pages and PDFs: pure Python, no Django, no JavaScript.

WeasyPrint draws inline SVG natively, so the page and the PDF show the same picture.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from apps.core import formatting

WIDTH, HEIGHT = 560, 150
LEFT, RIGHT, TOP, BOTTOM = 48, 10, 10, 22


def attainment_chart(points: list[tuple[str, str | None]], target: str, title: str) -> str:
    """A line of monthly attainment (%) against the target as a dashed line.

    ``points``: (label, attainment or None for no data). Months without data leave a gap.
    """
    values = [Decimal(v) for _, v in points if v is not None]
    goal = Decimal(target)
    low = min([*values, goal]) - (100 - goal) * Decimal("0.5")
    low = max(Decimal(0), min(low, goal - Decimal("0.01")))
    high = Decimal(100)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def y(value: Decimal) -> float:
        return TOP + float((high - value) / (high - low)) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(goal):.1f}" y2="{y(goal):.1f}" '
        'stroke="#c0392b" stroke-dasharray="4 3"/>',
        f'<text x="{LEFT - 4}" y="{y(goal) + 4:.1f}" font-size="10" text-anchor="end" '
        f'fill="#c0392b">{escape(formatting.target(target))}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="10" text-anchor="end">100</text>',
    ]
    segment: list[str] = []
    segments = []
    for index, (label, value) in enumerate(points):
        x = LEFT + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 6}" font-size="9" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        point = f"{x:.1f},{y(Decimal(value)):.1f}"
        segment.append(point)
        colour = "#27ae60" if Decimal(value) >= goal else "#c0392b"
        parts.append(f'<circle cx="{x:.1f}" cy="{y(Decimal(value)):.1f}" r="3" fill="{colour}"/>')
    if segment:
        segments.append(segment)
    for line in segments:
        parts.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
