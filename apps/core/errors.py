"""Domain errors raised by services; the API, admin and views translate them for people.

- ``django.core.exceptions.ValidationError``: bad input, with messages per field (HTTP 400).
- ``django.core.exceptions.PermissionDenied``: the user may not do this (HTTP 403).
- ``TransitionNotAllowed``: the current state forbids the action (HTTP 409).
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class DomainError(Exception):
    """A rule of the domain refused the action; ``message`` says why in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DomainError):
    """The object's current state does not allow this action."""


def _first_upper(label: str) -> str:
    """ "signature date" → "Signature date", "SLO target" stays "SLO target"."""
    return label[:1].upper() + label[1:]


def refusal_text(error: Exception, labels: dict[str, str] | None = None) -> str:
    """A service's refusal in plain words for a page, each problem after the name of the field
    it is about (``labels`` maps field names to what the form calls them)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        labels = labels or {}
        return " ".join(
            " ".join(problems)
            if name == NON_FIELD_ERRORS
            else f"{_first_upper(labels.get(name, name.replace('_', ' ')))}: {' '.join(problems)}"
            for name, problems in error.message_dict.items()
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, DomainError):
        return error.message
    return str(error) or "You may not do this."
