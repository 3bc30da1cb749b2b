"""Who may do what to contracts and commitments: the one place these rules live.

Views, admin and API all ask these functions (directly or through services).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.catalog.policies import owns_team
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, has_role

from .choices import REVIEWABLE_STATES, ContractStatus, Decision
from .models import Commitment, Contract, ContractDocument, SignOff


def sees_all_contracts(user) -> bool:
    return user.is_superuser or has_role(user, LEGAL, ENGINEERING, LEADERSHIP)


def visible_contracts(user, queryset: QuerySet | None = None) -> QuerySet:
    """Contracts the user may see: all for legal, engineering and leadership; sales their own."""
    queryset = Contract.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("contracts.view_contract"):
        return queryset.none()
    if sees_all_contracts(user):
        return queryset
    return queryset.filter(Q(owner=user) | Q(legal_reviewer=user))


def visible_through_contract(user, queryset: QuerySet, contract_path: str) -> QuerySet:
    """Rows that belong to a contract (lines, sign-offs, waivers) shown as their contract is:
    all of them to those who see every contract, otherwise those of ``visible_contracts``."""
    if (
        user.is_authenticated
        and user.has_perm("contracts.view_contract")
        and sees_all_contracts(user)
    ):
        return queryset
    return queryset.filter(**{f"{contract_path}__in": visible_contracts(user)})


def can_edit_contract(user, contract: Contract) -> bool:
    """May change terms and lines (the state decides separately whether they are editable)."""
    if not user.has_perm("contracts.change_contract"):
        return False
    return user.is_superuser or contract.owner_id == user.pk or has_role(user, LEGAL)


def editable_contracts(user) -> QuerySet:
    """The contracts whose terms and lines the user may change: can_edit_contract as a query."""
    queryset = visible_contracts(user)
    if not user.has_perm("contracts.change_contract"):
        return queryset.none()
    if user.is_superuser or has_role(user, LEGAL):
        return queryset
    return queryset.filter(owner=user)


def check_create(user) -> None:
    if not user.has_perm("contracts.add_contract"):
        raise PermissionDenied("You may not create contracts.")


def check_edit(user, contract: Contract) -> None:
    if not can_edit_contract(user, contract):
        raise PermissionDenied("You may not edit this contract.")


def check_remove_line(user, contract: Contract) -> None:
    """Removing a line is an edit that the role table grants separately (delete_commitment)."""
    check_edit(user, contract)
    if not user.has_perm("contracts.delete_commitment"):
        raise PermissionDenied("You may not remove SLA lines.")


def check_submit(user, contract: Contract) -> None:
    if not user.has_perm("contracts.submit_contract") or not (
        user.is_superuser or contract.owner_id == user.pk
    ):
        raise PermissionDenied("Only the contract's owner may submit it for review.")


def check_legal_approve(user, contract: Contract) -> None:
    if not user.has_perm("contracts.legal_approve_contract"):
        raise PermissionDenied("Only legal may approve a contract.")
    if user.pk in (contract.owner_id, contract.submitted_by_id):
        raise PermissionDenied("No one approves their own submission.")


def check_sign(user, contract: Contract) -> None:
    if not user.has_perm("contracts.sign_contract"):
        raise PermissionDenied("Only legal may mark a contract signed.")


def check_amend(user, contract: Contract) -> None:
    if not (user.has_perm("contracts.amend_contract") or contract.owner_id == user.pk):
        raise PermissionDenied("Only legal or the contract's owner may amend it.")


def check_terminate(user, contract: Contract) -> None:
    if not user.has_perm("contracts.terminate_contract"):
        raise PermissionDenied("Only legal may terminate a contract.")


def can_attach_document(user, contract: Contract) -> bool:
    """May attach files to the revision: whoever may edit it or sign it, in any state (the
    signed PDF arrives once the terms can no longer be edited)."""
    return can_edit_contract(user, contract) or user.has_perm("contracts.sign_contract")


def check_attach_document(user, contract: Contract) -> None:
    if not can_attach_document(user, contract):
        raise PermissionDenied("Only the contract's owner or legal may attach documents to it.")


def visible_documents(user, queryset: QuerySet | None = None) -> QuerySet:
    """Documents shown as their contract is: to those who may see it (visible_contracts)."""
    queryset = ContractDocument.objects.all() if queryset is None else queryset
    return visible_through_contract(user, queryset, "contract")


def signoff_refusal(
    user, commitment: Commitment, *, member_of: set[int] | None = None
) -> str | None:
    """Why the user may not sign off this commitment, or None when they may.

    ``member_of``: the user's team ids when a page has read them once for all its lines."""
    contract = commitment.contract
    if user.pk in (contract.owner_id, contract.submitted_by_id):
        return "No one approves their own submission."
    if user.has_perm("contracts.approve_any_commitment"):
        return None
    if not user.has_perm("contracts.signoff_commitment"):
        return "Only engineering may sign off commitments."
    team_id = commitment.indicator.service.team_id
    if not (owns_team(user, team_id) if member_of is None else team_id in member_of):
        return "Only members of the team that owns the service may sign off this commitment."
    return None


def check_signoff(user, commitment: Commitment) -> None:
    refusal = signoff_refusal(user, commitment)
    if refusal:
        raise PermissionDenied(refusal)


def can_decide_line(user, commitment: Commitment, *, decided: bool) -> bool:
    """Whether a page offers this user Approve and Reject on the line: they may sign it off,
    its contract is under review and no decision stands (``decided``: the page has read it)."""
    if decided or commitment.contract.status not in REVIEWABLE_STATES:
        return False
    if not (
        user.has_perm("contracts.signoff_commitment")
        or user.has_perm("contracts.approve_any_commitment")
    ):
        return False
    return signoff_refusal(user, commitment, member_of=_team_ids(user)) is None


def _team_ids(user) -> set[int]:
    """The user's teams, read once per request: a page asks for each of its lines."""
    cached = getattr(user, "_covenant_team_ids", None)
    if cached is None:
        cached = set(user.teams.values_list("pk", flat=True))
        user._covenant_team_ids = cached
    return cached


def check_grant_waiver(user, commitment: Commitment) -> None:
    if not user.has_perm("contracts.add_waiver"):
        raise PermissionDenied("Only leadership may grant waivers.")
    if user.pk in (commitment.contract.owner_id, commitment.contract.submitted_by_id):
        raise PermissionDenied("No one grants a waiver for their own submission.")


def signoff_queue(user) -> QuerySet:
    """Commitments under review with no current decision that this user may make."""
    current = SignOff.objects.filter(commitment=OuterRef("pk"), voided_at__isnull=True)
    queryset = (
        Commitment.objects.filter(contract__status=ContractStatus.IN_REVIEW)
        .filter(~Exists(current))
        .exclude(contract__owner=user)
        .exclude(contract__submitted_by=user)
    )
    if user.has_perm("contracts.approve_any_commitment"):
        return queryset
    if not user.has_perm("contracts.signoff_commitment"):
        return queryset.none()
    return queryset.filter(indicator__service__team__members=user)


def legal_queue(user) -> QuerySet:
    """Contracts waiting for legal: under review with every line approved by engineering and no
    legal approval yet, or approved and awaiting signature. Empty for anyone who is not legal."""
    if not (
        user.has_perm("contracts.legal_approve_contract")
        or user.has_perm("contracts.sign_contract")
    ):
        return Contract.objects.none()
    approved = SignOff.objects.filter(
        commitment=OuterRef("pk"), voided_at__isnull=True, decision=Decision.APPROVE
    )
    unapproved_line = Commitment.objects.filter(contract=OuterRef("pk")).filter(~Exists(approved))
    engineering_done = Q(
        Exists(Commitment.objects.filter(contract=OuterRef("pk"))), ~Exists(unapproved_line)
    )
    return visible_contracts(user).filter(
        Q(status=ContractStatus.APPROVED)
        | Q(engineering_done, status=ContractStatus.IN_REVIEW, legal_approved_at__isnull=True)
    )
