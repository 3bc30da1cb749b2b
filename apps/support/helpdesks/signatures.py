"""How each helpdesk proves a webhook is its own. Pure: bytes and strings in, a verdict out.

- Zendesk signs every webhook: ``X-Zendesk-Webhook-Signature`` is
  base64(HMAC-SHA256(secret, ``X-Zendesk-Webhook-Signature-Timestamp`` + raw body)).
- Jira Cloud signs an admin webhook saved with a secret: ``X-Hub-Signature`` is
  ``sha256=`` + hex(HMAC-SHA256(secret, raw body)) (the WebSub format). A sender that cannot
  sign (a Jira automation rule's "Send web request") sends the secret itself as a token.

Comparisons are constant-time so that a wrong guess tells nothing about the right one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def zendesk_verify(secret: str, *, signature: str, timestamp: str, body: bytes) -> bool:
    if not secret or not signature or not timestamp:
        return False
    return hmac.compare_digest(zendesk_signature(secret, timestamp, body), signature.strip())


def jira_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def jira_verify(secret: str, *, signature: str, token: str, body: bytes) -> bool:
    """A good ``X-Hub-Signature``, or failing one, the secret sent as a token."""
    if not secret:
        return False
    if signature:
        method, _, _ = signature.strip().partition("=")
        if method.lower() != "sha256":
            return False
        return hmac.compare_digest(jira_signature(secret, body), signature.strip())
    return bool(token) and hmac.compare_digest(token.strip().encode(), secret.encode())
