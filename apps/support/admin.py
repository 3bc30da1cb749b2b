"""The support desk in the admin."""

# Helpdesk sources and the ticket history upload register themselves.
from .helpdesks import admin as helpdesks_admin  # noqa: F401
