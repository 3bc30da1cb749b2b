"""What Celery raises when it cannot hand a message to the broker: one list for every app that
sends tasks after commit and must keep a row it could not send from waiting for ever."""

from kombu.exceptions import OperationalError as KombuOperationalError

# kombu's OperationalError wraps the connection's own error.
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)
