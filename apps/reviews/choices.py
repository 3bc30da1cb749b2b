from django.db import models


class CycleStatus(models.TextChoices):
    OPEN = "open", "Open"
    GENERATING = "generating", "Generating"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class PacketScope(models.TextChoices):
    SERVICE = "service", "Service"
    CUSTOMER = "customer", "Customer"


class PacketStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# A task may claim a packet only from these states; READY packets are immutable.
CLAIMABLE_STATES = frozenset({PacketStatus.PENDING, PacketStatus.FAILED})
# Nothing more will happen to a packet in these states (until someone regenerates it).
FINISHED_STATES = frozenset({PacketStatus.READY, PacketStatus.FAILED})


class SignOffRole(models.TextChoices):
    ENGINEERING = "engineering", "Engineering"
    SALES = "sales", "Sales"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"
    LEGAL = "legal", "Legal"


# The permission a user needs to sign a packet off for each role (see apps/core/roles.py).
SIGNOFF_PERMISSIONS = {role.value: f"reviews.signoff_{role.value}" for role in SignOffRole}
