"""The signature of signed webhooks: HMAC-SHA256 of the raw body. Pure, no Django.

Receivers recompute ``sha256=<hex>`` over the exact bytes they received with the channel's
secret and compare in constant time; the timestamp header is also inside the signed body
(``sent_at``), so a replayed body cannot claim a fresh time.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Covenant-Signature"
TIMESTAMP_HEADER = "X-Covenant-Timestamp"
EVENT_HEADER = "X-Covenant-Event"
DELIVERY_HEADER = "X-Covenant-Delivery"


def signature(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, header: str | None) -> bool:
    return hmac.compare_digest(signature(secret, body), header or "")
