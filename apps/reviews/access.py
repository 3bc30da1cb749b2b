"""Which review packets a person may read: the one place the rule lives (pages, API, lists).

Packets repeat contract terms (fees, SLA lines, credits owed, renewals). Roles that see every
contract (legal, engineering, leadership) read every packet. Anyone else reads a customer packet
only when every contract it may repeat is one they may see, and never a service packet (it spans
customers). A packet is evidence with a content hash, so it is refused whole rather than shown
with parts cut out: a salesperson reads the packet of a customer whose contracts are all theirs.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.contracts.models import Contract
from apps.contracts.policies import sees_all_contracts, visible_contracts

from .choices import PacketScope
from .selectors import IN_FORCE_STATES


def require_view(user) -> None:
    if not user.has_perm("reviews.view_reviewpacket"):
        raise PermissionDenied("You may not read review packets.")


def readable_packets(user, queryset: QuerySet) -> QuerySet:
    """The packets of ``queryset`` the user may open; every route and list filters by it."""
    if sees_all_contracts(user):
        return queryset
    visible = visible_contracts(user)
    # What a customer packet may repeat: the customer's revisions that bound at some time and had
    # not ended before the reviewed period (its contracts and lines), and its renewals. A few
    # more than the packet holds (a revision that started after the year) only refuse more.
    period_start = OuterRef("cycle__period_start")
    repeated = Contract.objects.filter(
        Q(end_date__isnull=True)
        | Q(end_date__gte=period_start)
        | Q(renewal_date__gte=period_start),
        customer_id=OuterRef("scope_id"),
        status__in=IN_FORCE_STATES,
    )
    hidden = repeated.exclude(pk__in=visible.values("pk"))
    return queryset.filter(
        scope=PacketScope.CUSTOMER, scope_id__in=visible.values("customer_id")
    ).exclude(Exists(hidden))
