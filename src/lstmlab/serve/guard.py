"""What every answer of ``lstmlab serve`` passes through: the Host check, security headers,
and one log line (never a traceback) for an error no handler answered.

- **Host** (DNS rebinding): a page on another site whose name the attacker points at
  127.0.0.1 reaches a loopback server with ``Host: attacker.example``. Only the names the
  server is reached by are answered: the bound address, ``localhost`` and loopback
  addresses when it is bound to loopback, any IP address when bound to all interfaces
  (0.0.0.0, ::), and the names given with ``--allow-host`` (``*``: any).
- **Headers** on every answer: a Content-Security-Policy allowing only the server's own
  scripts, styles and API, no framing (``frame-ancestors 'none'``, ``X-Frame-Options``),
  ``X-Content-Type-Options: nosniff`` and no referrer.
- **Errors**: an exception that reaches this layer becomes a 500 ``{"error": ...}`` answer
  and one escaped log line; a client that went away gets nothing and logs nothing.
- **JSON** answers always encode (:class:`SafeJSONResponse`).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
from collections.abc import Iterable
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse

from lstmlab.text import one_line

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
LOOPBACK_NAMES = ("localhost",)


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_name(header: str) -> str:
    """The name in a ``Host`` header, lower case, without port, brackets or final dot."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


class HostPolicy:
    """Which ``Host`` names a server bound to ``bound`` answers."""

    def __init__(self, bound: str, allowed: Iterable[str] = ()) -> None:
        self.bound = host_name(bound)
        self.allowed = {host_name(name) for name in allowed if name != "*"}
        self.any = "*" in allowed
        address = _ip(self.bound)
        self.loopback = self.bound in LOOPBACK_NAMES or bool(address and address.is_loopback)
        self.everywhere = bool(address and address.is_unspecified)
        if self.everywhere:
            self.allowed |= {socket.gethostname().lower(), *LOOPBACK_NAMES}

    def allows(self, header: str | None) -> bool:
        if self.any or header is None:  # no Host: not a browser (DNS rebinding needs one)
            return True
        name = host_name(header)
        if name == self.bound or name in self.allowed:
            return True
        address = _ip(name)
        if self.loopback:
            return name in LOOPBACK_NAMES or bool(address and address.is_loopback)
        return self.everywhere and address is not None

    def names(self) -> str:
        shown = sorted({self.bound, *self.allowed, *(LOOPBACK_NAMES if self.loopback else ())})
        return ", ".join(shown)


def _json_answer(status: int, message: str) -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"error": message}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def log(message: str) -> None:
    """One escaped line in the server's log (standard error)."""
    print(f"lstmlab: serve: {one_line(message)}", file=sys.stderr, flush=True)


class Guard:
    """ASGI middleware: the Host check, the security headers, the last-resort error answer."""

    def __init__(self, app: Any, hosts: HostPolicy) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_secured(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        host = dict(scope.get("headers") or []).get(b"host")
        if not self.hosts.allows(None if host is None else host.decode("latin-1")):
            for message in _json_answer(
                421,
                f"this server answers for {self.hosts.names()} only; start it with "
                "--allow-host NAME to be reached by another name",
            ):
                await send_secured(message)
            return
        try:
            await self.app(scope, receive, send_secured)
        except ClientDisconnect:
            return  # nobody to answer
        except Exception as error:
            log(
                f"{scope.get('method')} {scope.get('path')}: internal error: "
                f"{type(error).__name__}: {str(error)[:300]}"
            )
            if not started:
                for message in _json_answer(500, f"internal error: {type(error).__name__}"):
                    await send_secured(message)


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes: ASCII with ``\\u`` escapes (a lone surrogate from a text
    or a bundle's vocabulary encodes too), and NaN or infinity as null."""

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        except ValueError:
            text = json.dumps(_finite(content), ensure_ascii=True, separators=(",", ":"))
        return text.encode("ascii")
