from django.db import models


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    SIGNED = "signed", "Signed"
    TERMINATED = "terminated", "Terminated"
    SUPERSEDED = "superseded", "Superseded"


# Sales (and legal) may edit terms and lines only in these states.
EDITABLE_STATES = frozenset({ContractStatus.DRAFT, ContractStatus.CHANGES_REQUESTED})
# A revision still moving towards signature; at most one per contract number.
OPEN_STATES = frozenset(
    {
        ContractStatus.DRAFT,
        ContractStatus.IN_REVIEW,
        ContractStatus.CHANGES_REQUESTED,
        ContractStatus.APPROVED,
    }
)
# Nothing happens to these any more.
TERMINAL_STATES = frozenset({ContractStatus.TERMINATED, ContractStatus.SUPERSEDED})
# Engineering may decide on lines only while the contract is under review.
REVIEWABLE_STATES = frozenset({ContractStatus.IN_REVIEW, ContractStatus.APPROVED})


# The states each contract action starts from: services enforce them, pages offer buttons by them.
ACTION_STATES = {
    "edit": EDITABLE_STATES,
    "submit": EDITABLE_STATES,
    "legal_approve": frozenset({ContractStatus.IN_REVIEW}),
    "sign": frozenset({ContractStatus.APPROVED}),
    "amend": frozenset({ContractStatus.SIGNED}),
    "terminate": frozenset(set(ContractStatus) - TERMINAL_STATES),
}


class Period(models.TextChoices):
    MONTH = "month", "Calendar month"
    QUARTER = "quarter", "Calendar quarter"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class DocumentKind(models.TextChoices):
    SIGNED = "signed", "Signed contract"
    ATTACHMENT = "attachment", "Attachment"
