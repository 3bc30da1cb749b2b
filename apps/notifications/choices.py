from django.db import models


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack incoming webhook"
    WEBHOOK = "webhook", "Signed webhook"
    PAGERDUTY = "pagerduty", "PagerDuty (Events API v2)"
    OPSGENIE = "opsgenie", "Opsgenie (Alert API)"


# Kinds that page someone: an alert is opened once and closed again when its cause ends.
PAGING_KINDS = frozenset({ChannelKind.PAGERDUTY, ChannelKind.OPSGENIE})
# Kinds that post to a URL the channel's ``target`` names.
URL_TARGET_KINDS = frozenset({ChannelKind.SLACK, ChannelKind.WEBHOOK})


# A delivery that writes a change back to the helpdesk a ticket came from (an escalation's
# reassignment): no channel of this kind exists; the support desk registers its sender.
HELPDESK_KIND = "helpdesk"
DELIVERY_KINDS = [*ChannelKind.choices, (HELPDESK_KIND, "Helpdesk write-back")]


class DeliveryAction(models.TextChoices):
    NOTIFY = "notify", "Notify"
    # Paging kinds: open the alert of ``alert_key``, or close it.
    TRIGGER = "trigger", "Open an alert"
    RESOLVE = "resolve", "Close the alert"
    # Helpdesk kind: change the ticket in the helpdesk (its group).
    WRITE_BACK = "write_back", "Write back to the helpdesk"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


# A worker may claim a delivery in these states; SENT and FAILED are final until a person retries.
CLAIMABLE_STATES = frozenset({DeliveryStatus.PENDING})
FINAL_STATES = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED})

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
OPSGENIE_API_URL = "https://api.opsgenie.com"
