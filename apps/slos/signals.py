"""What SLOs and buffer policies announce when they change, for the apps above that act on it.

slos sits below contracts and drift, so it cannot call them. They connect receivers at start-up
(their ``AppConfig.ready``): contracts refreshes cached verdicts and voids the sign-offs that
judged an old version; drift flags the signed lines a loosened or retired SLO no longer backs.
"""

from django.dispatch import Signal

# Sent inside the saving transaction, after the row is written. ``slo``; ``before``: the stored
# target, status and indicator_id as they were before this save (None for a new SLO).
slo_saved = Signal()
# Sent when a save changed a versioned field. ``slo``; ``changed``: the field names; ``user``.
slo_versioned = Signal()
# Sent after a buffer policy is written. ``policy``.
buffer_policy_saved = Signal()
