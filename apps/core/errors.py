"""Domain errors raised by services; the API, admin and views translate them for people.

- ``django.core.exceptions.ValidationError``: bad input, with messages per field (HTTP 400).
- ``django.core.exceptions.PermissionDenied``: the user may not do this (HTTP 403).
- ``TransitionNotAllowed``: the current state forbids the action (HTTP 409).
"""


class DomainError(Exception):
    """A rule of the domain refused the action; ``message`` says why in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DomainError):
    """The object's current state does not allow this action."""
