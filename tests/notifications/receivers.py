"""Local receivers that speak the PagerDuty Events API v2 and the Opsgenie Alert API.

Each is a real threaded HTTP server on 127.0.0.1 that checks requests the way the vendor
documents them and answers with the vendor's status codes and bodies: PagerDuty 202
``{"status": "success", "message": "Event processed", "dedup_key"}`` or 400 ``invalid event``;
Opsgenie 202 ``{"result": "Request will be processed", "took", "requestId"}``, 401 without a
``GenieKey``, 422 for a body it cannot process. ``faults`` are answered first, one per request
(a 429 carries ``Retry-After``), so tests can watch a notice survive an outage. Both keep the
alerts they hold open, deduplicated by key as the vendors do.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

PAGERDUTY_ACTIONS = {"trigger", "acknowledge", "resolve"}
PAGERDUTY_SEVERITIES = {"critical", "error", "warning", "info"}


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    answered: int = 0

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """The state of one vendor receiver: what came in, what it holds open, what it answers."""

    base_url: str = ""
    faults: list[int] = field(default_factory=list)
    retry_after: int = 1
    requests: list[Request] = field(default_factory=list)
    # Alert key → the accepted requests about it, in order ("trigger", "resolve"…).
    alerts: dict[str, list[str]] = field(default_factory=dict)
    open_alerts: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, action: str) -> list[Request]:
        return [r for r in self.requests if r.answered == 202 and self.action_of(r) == action]

    def action_of(self, request: Request) -> str:
        raise NotImplementedError

    def opened(self) -> int:
        """How many distinct alerts were ever opened."""
        return sum(1 for history in self.alerts.values() if history and history[0] == "trigger")


class PagerDutyReceiver(Receiver):
    """``POST /v2/enqueue`` of the Events API v2."""

    def action_of(self, request):
        try:
            return request.json().get("event_action", "")
        except ValueError:
            return ""

    def handle(self, request: Request) -> tuple[int, dict]:
        if request.path != "/v2/enqueue":
            return 404, {"status": "not found", "message": "Not Found"}
        try:
            event = request.json()
        except ValueError:
            return 400, {"status": "invalid event", "message": "Event object is invalid"}
        errors = []
        if not event.get("routing_key"):
            errors.append("'routing_key' is missing or blank")
        action = event.get("event_action")
        if action not in PAGERDUTY_ACTIONS:
            errors.append(
                "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"
            )
        key = event.get("dedup_key") or ""
        if action in ("acknowledge", "resolve") and not key:
            errors.append("'dedup_key' is missing or blank")
        if action == "trigger":
            payload = event.get("payload") or {}
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing or blank")
            if payload.get("severity") and payload["severity"] not in PAGERDUTY_SEVERITIES:
                errors.append("'payload.severity' is invalid")
            key = key or uuid.uuid4().hex
        if errors:
            return 400, {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": errors,
            }
        history = self.alerts.setdefault(key, [])
        if action == "trigger":
            # An open alert with this key takes the event; no second incident.
            if key not in self.open_alerts:
                history.append("trigger")
                self.open_alerts.add(key)
        elif action == "resolve" and key in self.open_alerts:
            history.append("resolve")
            self.open_alerts.discard(key)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}


class OpsgenieReceiver(Receiver):
    """``POST /v2/alerts`` and ``POST /v2/alerts/{alias}/close?identifierType=alias``."""

    def action_of(self, request):
        if request.path == "/v2/alerts":
            return "create"
        if request.path.endswith("/close"):
            return "close"
        return ""

    def handle(self, request: Request) -> tuple[int, dict]:
        took = 0.01
        request_id = str(uuid.uuid4())
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("GenieKey ") or not auth.removeprefix("GenieKey ").strip():
            return 401, {"message": "Could not authenticate", "took": took, "requestId": request_id}
        try:
            body = request.json() if request.body else {}
        except ValueError:
            return 422, {
                "message": "Request body is not processable.",
                "took": took,
                "requestId": request_id,
            }
        if request.path == "/v2/alerts":
            message = (body.get("message") or "").strip()
            if not message:
                return 422, {
                    "message": "Request body is not processable. Please check the errors.",
                    "errors": {"message": "Message can not be empty."},
                    "took": took,
                    "requestId": request_id,
                }
            if len(message) > 130 or len(body.get("alias") or "") > 512:
                return 422, {
                    "message": "Request body is not processable. Please check the errors.",
                    "errors": {"message": "Message can not be longer than 130 characters."},
                    "took": took,
                    "requestId": request_id,
                }
            alias = body.get("alias") or request_id
            if alias not in self.open_alerts:  # an open alert with this alias is deduplicated
                self.alerts.setdefault(alias, []).append("trigger")
                self.open_alerts.add(alias)
        elif request.path.startswith("/v2/alerts/") and request.path.endswith("/close"):
            identifier = unquote(request.path[len("/v2/alerts/") : -len("/close")])
            kind = (request.query.get("identifierType") or ["id"])[0]
            if kind not in ("id", "tiny", "alias"):
                return 422, {
                    "message": "Identifier type is not valid.",
                    "took": took,
                    "requestId": request_id,
                }
            if identifier in self.open_alerts:
                self.alerts[identifier].append("resolve")
                self.open_alerts.discard(identifier)
        else:
            return 404, {"message": "Not Found", "took": took, "requestId": request_id}
        return 202, {"result": "Request will be processed", "took": took, "requestId": request_id}


class Running:
    """A receiver served on 127.0.0.1 (a free port) until ``stop``."""

    def __init__(self, receiver: Receiver):
        self.receiver = receiver

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections alive, as the vendors do

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    dict(self.headers),
                    self.rfile.read(length),
                )
                with receiver.lock:
                    receiver.requests.append(request)
                    if receiver.faults:
                        status = receiver.faults.pop(0)
                        body = {"status": "throttled"} if status == 429 else {"message": "Internal"}
                    else:
                        status, body = receiver.handle(request)
                    request.answered = status
                # A body of None answers without one (Jira's 204 No Content).
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", str(receiver.retry_after))
                self.end_headers()
                self.wfile.write(data)

            do_PUT = do_POST  # the helpdesks' ticket updates (tests/support)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        receiver.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
