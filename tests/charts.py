"""Reading the server-drawn SVG charts of a page (apps/core/charts.py) in tests."""

import re
from decimal import Decimal
from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"


def chart_data(response) -> dict:
    """What each inline SVG chart of the page draws, read from its elements' data."""
    charts = {}
    for markup in re.findall(r'<svg[^>]*class="chart".*?</svg>', response.text, re.S):
        svg = ElementTree.fromstring(markup)
        chart_id = svg.get("id").removeprefix("chart-")
        series = {}
        for group in svg.iter(f"{SVG}g"):
            if group.get("class") == "series":
                marks = [e for e in group if {"point", "bar"} & set(e.get("class", "").split())]
                series[group.get("data-series")] = [
                    (e.get("data-label"), Decimal(e.get("data-value"))) for e in marks
                ]
        charts[chart_id] = {
            "title": svg.find(f"{SVG}title").text,
            "desc": svg.find(f"{SVG}desc").text,
            "labelledby": svg.get("aria-labelledby"),
            "bars": bool(list(svg.iter(f"{SVG}rect"))),
            "series": series,
            "references": {
                e.get("data-series"): Decimal(e.get("data-value"))
                for e in svg.iter(f"{SVG}line")
                if e.get("class") == "reference"
            },
            "ticks": [e.text for e in svg.iter(f"{SVG}text") if e.get("class") == "tick"],
            "legend": [
                e.text
                for g in svg.iter(f"{SVG}g")
                if g.get("class") == "legend"
                for e in g
                if e.tag == f"{SVG}text"
            ],
        }
    return charts
