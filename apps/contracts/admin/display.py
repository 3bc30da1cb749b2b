"""How the contract admins show verdicts and states: coloured badges and the alignment fields."""

from django.utils.html import format_html

from apps.slos.alignment import Verdict

from ..choices import ContractStatus

VERDICT_COLOURS = {
    Verdict.ALIGNED: "#1e7e34",
    Verdict.THIN: "#b36b00",
    Verdict.INCOMPARABLE: "#6f42c1",
    Verdict.MISMATCH: "#c82333",
    Verdict.NO_SLO: "#6c757d",
}
STATUS_COLOURS = {
    ContractStatus.DRAFT: "#6c757d",
    ContractStatus.IN_REVIEW: "#0069d9",
    ContractStatus.CHANGES_REQUESTED: "#b36b00",
    ContractStatus.APPROVED: "#1e7e34",
    ContractStatus.SIGNED: "#155724",
    ContractStatus.TERMINATED: "#343a40",
    ContractStatus.SUPERSEDED: "#343a40",
}

ALIGNMENT_FIELDS = ["live_verdict", "alignment_reasons", "backing_slo", "buffer", "safe_maximum"]


def badge(text: str, colour: str):
    return format_html(
        '<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">{}</span>',
        colour,
        text,
    )


def verdict_badge(verdict: str):
    return badge(verdict, VERDICT_COLOURS.get(verdict, "#6c757d"))


# --- credit schedules ----------------------------------------------------------------------
