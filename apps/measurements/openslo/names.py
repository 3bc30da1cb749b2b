"""The OpenSLO names (RFC 1123 labels) of Covenant's indicators and SLOs.

Export writes them and import matches on them, from this one function each, so that importing
an export updates the same rows instead of creating copies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_NAME = 63


def label(text: str, fallback: str = "") -> str:
    """``text`` as an RFC 1123 label: lowercase ASCII letters and digits, '-' between the runs
    ("Availability 99.95" → "availability-99-95"), at most 63 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_NAME].strip("-")
    return value or fallback


def unique_labels(items: Iterable, text_of, fallback_of) -> dict:
    """{item: label}, suffixing -2, -3… in the given order where two items would share one."""
    names: dict = {}
    taken: set[str] = set()
    for item in items:
        base = label(text_of(item), fallback_of(item))
        name, number = base, 1
        while name in taken:
            number += 1
            suffix = f"-{number}"
            name = base[: MAX_NAME - len(suffix)].rstrip("-") + suffix
        taken.add(name)
        names[item] = name
    return names


def indicator_names(indicators: Iterable) -> dict:
    """OpenSLO names of one service's indicators, ordered by primary key for stability."""
    return unique_labels(
        sorted(indicators, key=lambda indicator: indicator.pk),
        lambda indicator: indicator.name,
        lambda indicator: f"indicator-{indicator.pk}",
    )


def slo_names(slos: Iterable) -> dict:
    """OpenSLO names of one service's SLOs: the SLO's name, else its indicator and window."""
    return unique_labels(
        sorted(slos, key=lambda slo: slo.pk),
        lambda slo: slo.name or f"{slo.indicator.name} {slo.window}",
        lambda slo: f"slo-{slo.pk}",
    )
