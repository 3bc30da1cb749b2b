"""Contracts in the admin: engineering's approval queue, legal's actions, leadership's waivers.

Contracts, commitments and sign-offs are read-only here: they change only through the services
(called by the admins' actions), so the state rules, "no one approves their own submission" and
the history's user and reason hold in the admin exactly as in the web forms and the API.
"""

# Importing the modules registers their admins.
from . import commitments, contracts, documents, schedules, waivers  # noqa: F401
