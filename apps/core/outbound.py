"""Requests Covenant makes to URLs that users typed: only to public addresses (no SSRF).

A webhook URL could otherwise make the server POST to itself, to the cloud's metadata service
(169.254.169.254) or to anything on the private network. Hosts an administrator trusts are
listed in ``NOTIFICATION_ALLOWED_HOSTS`` (a local receiver, an internal chat server).

The check runs when the URL is saved and again before each request, resolving the host each
time: a name may point somewhere else by then. ``outbound_session`` also checks the address each
connection actually reached, so a name that resolves to a public address for the check and to a
private one a moment later (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class OutboundURLRefused(Exception):
    """The URL leads to an address Covenant does not send to; the message says which and why."""


class OutboundHostUnresolved(OutboundURLRefused):
    """The host did not resolve: nothing is known of where it leads (perhaps not yet)."""


def _refusal(address: str) -> str | None:
    """Why ``address`` is not a public one, or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for flag, what in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_private", "private"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, flag):
            return what
    return None if ip.is_global else "not public"


def allowed_hosts() -> set[str]:
    return {host.strip().lower().strip("[]") for host in settings.NOTIFICATION_ALLOWED_HOSTS}


def check_outbound_url(url: str, *, unresolvable_ok: bool = False) -> None:
    """Raise OutboundURLRefused unless every address ``url``'s host resolves to is public.

    An allowed host (setting ``NOTIFICATION_ALLOWED_HOSTS``) passes as it is. A host that does
    not resolve is refused, unless ``unresolvable_ok`` (when saving: the name may exist by the
    time a notice is sent, and it is checked again then).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise OutboundURLRefused("The URL has no host.")
    if host in allowed_hosts():
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        if unresolvable_ok:
            return
        raise OutboundHostUnresolved(f"The host {host} cannot be resolved ({error}).") from error
    for info in infos:
        address = info[4][0]
        why = _refusal(address)
        if why:
            raise OutboundURLRefused(
                f"The host {host} resolves to {address}, a {why} address: notices go only to "
                "public addresses unless the host is listed in NOTIFICATION_ALLOWED_HOSTS."
            )


def validate_outbound_url(field: str, url: str) -> None:
    """A form's or model's check of a URL typed into ``field``: http(s), and not refused by
    ``check_outbound_url`` (a name that does not resolve yet passes; it is checked again when
    sent to). Raises ValidationError naming the field."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise ValidationError({field: "Enter a valid http(s) URL."}) from error
    try:
        check_outbound_url(url, unresolvable_ok=True)
    except OutboundURLRefused as error:
        raise ValidationError({field: str(error)}) from error


class _CheckedConnection:
    """Closes a connection whose peer is not a public address (unless its host is allowed)."""

    def _new_conn(self):
        sock = super()._new_conn()
        host = (self.host or "").lower().strip("[]")
        if host not in allowed_hosts():
            address = sock.getpeername()[0]
            why = _refusal(address)
            if why:
                sock.close()
                raise OutboundURLRefused(
                    f"The host {host} connected to {address}, a {why} address: notices go only "
                    "to public addresses unless the host is listed in NOTIFICATION_ALLOWED_HOSTS."
                )
        return sock


class _CheckedHTTPConnection(_CheckedConnection, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
    pass


class _CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPConnectionPool,
            "https": _CheckedHTTPSConnectionPool,
        }


def outbound_session() -> requests.Session:
    """A requests session whose every direct connection is checked for a public peer.

    Through an egress proxy (HTTPS_PROXY…) the peer is the proxy, so only the URL's own check
    applies.
    """
    session = requests.Session()
    adapter = _CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
