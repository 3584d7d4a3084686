"""Two small fault-injecting proxies on loopback for the reliability tests.

* `CognitoFaultProxy` sits between the operator (COGNITO_SSO_COGNITO_ENDPOINT_URL) and the moto stand-in.
  In mode "ok" it forwards; other modes produce one fault each on demand (see `MODES`). It timestamps every
  discovery round, so tests can measure the operator's retry gaps.
* `KubeFaultProxy` sits between the operator (its kubeconfig's server, plain HTTP on loopback) and
  kube-apiserver (HTTPS, the control plane's CA; the operator's bearer token passes through). Rules match
  requests by method and path and hold them (the operator is then provably *inside* that step and can be
  killed there), answer them with an error (409, 503, ...) without forwarding, or forward them and lose the
  answer. `stall_watches()` silently stops forwarding every open watch stream (no close, no bytes).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import re
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

# ------------------------------------------------------------------------------------------------------------
# Cognito side
# ------------------------------------------------------------------------------------------------------------

MODES = {
    "ok": "forward to the stand-in",
    "unreachable": "nothing listens on the port (connection refused)",
    "slow": "headers arrive long after the operator's HTTP timeout",
    "http-5xx": "HTTP 503 from every request",
    "invalid-json": "HTTP 200 with an HTML body",
    "oversized": "HTTP 200 with a 2 MiB body (no Content-Length)",
    "redirect-loop": "HTTP 302 back to the same URL",
    "issuer-changed": "the discovery document names another pool as issuer",
    "jwks-reset": "discovery answers, the JWKS connection is closed without a response",
}


class _CognitoHandler(BaseHTTPRequestHandler):
    server: _CognitoServer
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        proxy = self.server.proxy
        mode = proxy.mode
        document = "jwks" if self.path.endswith("/jwks.json") else "discovery"
        proxy._record(document, mode)
        with contextlib.suppress(OSError):
            self._serve(proxy, mode, document)

    def _serve(self, proxy: CognitoFaultProxy, mode: str, document: str) -> None:
        if mode == "ok" or (mode == "issuer-changed" and document != "discovery") or (
                mode == "jwks-reset" and document != "jwks"):
            status, body = proxy.forward(self.path)
            self._send(status, body)
            return
        proxy._count_fault(mode)  # counted before it is produced: the client may hang up first
        if mode == "slow":
            time.sleep(proxy.slow_seconds)
            self._send(200, proxy.forward(self.path)[1])
        elif mode == "http-5xx":
            self._send(503, b'{"message": "Service Unavailable"}')
        elif mode == "invalid-json":
            self._send(200, b"<html><body>Bad gateway, try again</body></html>", "text/html")
        elif mode == "oversized":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b" " * 65536
            for _ in range(32):
                self.wfile.write(chunk)
        elif mode == "redirect-loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "issuer-changed":
            status, body = proxy.forward(self.path)
            doc = json.loads(body)
            doc["issuer"] = proxy.other_issuer
            self._send(status, json.dumps(doc).encode())
        elif mode == "jwks-reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
            self.close_connection = True
            self.connection.close()
        else:
            raise AssertionError(mode)

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _CognitoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], proxy: CognitoFaultProxy) -> None:
        super().__init__(address, _CognitoHandler)
        self.proxy = proxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@dataclass
class Round:
    at: float
    document: str
    mode: str


class CognitoFaultProxy:
    def __init__(self, upstream: str, *, other_issuer: str, slow_seconds: float = 3.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.other_issuer = other_issuer
        self.slow_seconds = slow_seconds
        self.mode = "ok"
        self.requests: list[Round] = []
        self.faults: dict[str, int] = {}
        self._lock = threading.RLock()
        self._server: _CognitoServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CognitoFaultProxy:
        self._server = _CognitoServer(("127.0.0.1", self.port), self)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True, name="cognito-proxy").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        if mode == "unreachable" and self._server is not None:
            self.stop()  # connection refused from now on; same port when it comes back
        elif mode != "unreachable" and self._server is None:
            for _ in range(50):
                try:
                    self.start()
                    break
                except OSError:
                    time.sleep(0.1)
        with self._lock:
            self.mode = mode

    def forward(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def _record(self, document: str, mode: str) -> None:
        with self._lock:
            self.requests.append(Round(time.monotonic(), document, mode))

    def _count_fault(self, mode: str) -> None:
        with self._lock:
            self.faults[mode] = self.faults.get(mode, 0) + 1

    def rounds(self, since: float, document: str = "discovery") -> list[float]:
        """Start times of discovery rounds (one discovery-document request each) since `since`."""
        with self._lock:
            return [r.at for r in self.requests if r.at >= since and r.document == document]


# ------------------------------------------------------------------------------------------------------------
# Kubernetes side
# ------------------------------------------------------------------------------------------------------------

_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
        "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "content-encoding"}


def _is_watch(request: web.Request) -> bool:
    return request.query.get("watch", "").lower() in ("1", "true")


@dataclass
class Rule:
    """What to do with matching requests. `action`: "hold", "status" (answer `status` without forwarding),
    or "lose-response" (forward, then answer `status` instead of the real response)."""

    method: str
    path: str  # regex, searched in the path (no query)
    action: str
    status: int = 409
    times: int | None = None  # None: every match
    when: Callable[[], bool] | None = None  # extra condition, evaluated at match time
    matched: int = 0
    pending: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    forward_on_release: bool = True
    held: list[Seen] = field(default_factory=list)

    def matches(self, request: web.Request) -> bool:
        if self.times is not None and self.matched >= self.times:
            return False
        if self.method != "*" and request.method != self.method:
            return False
        if self.method == "*" and request.method == "GET":
            return False  # "*" means every write
        if not re.search(self.path, request.path):
            return False
        return self.when is None or self.when()

    def release(self, *, forward: bool = True) -> None:
        self.forward_on_release = forward
        self.released.set()


@dataclass
class Seen:
    at: float
    method: str
    path: str
    query: str
    status: int | None = None
    watch: bool = False
    forwarded: bool = False  # sent on to kube-apiserver


class KubeFaultProxy:
    def __init__(self, upstream: str, ssl_context: ssl.SSLContext) -> None:
        self.upstream = upstream.rstrip("/")
        self.ssl_context = ssl_context
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self.faults: dict[str, int] = {}
        self._lock = threading.RLock()
        self._stall_epoch = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ready = threading.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- lifecycle (the proxy runs its own event loop in a thread) ----
    def start(self) -> KubeFaultProxy:
        self._thread = threading.Thread(target=self._run, daemon=True, name="kube-proxy")
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("kube fault proxy did not start")
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._serve())
        loop.run_forever()

    async def _serve(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self.ssl_context, limit=0),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        self._ready.set()

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        for rule in self.rules:
            rule.release(forward=False)

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            if self._session is not None:
                await self._session.close()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    # ---- control ----
    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            for rule in self.rules:
                rule.release(forward=False)
            self.rules = []

    def stall_watches(self) -> int:
        """Stop forwarding on every watch stream open now; returns how many were stalled."""
        with self._lock:
            self._stall_epoch += 1
            open_watches = sum(1 for s in self.seen if s.watch and s.status is None)
        self._count_fault("watch-stall", open_watches)
        return open_watches

    def requests(self, method: str | None = None, path: str = "", since: float = 0.0,
                 watch: bool | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if (method is None or s.method == method) and re.search(path, s.path)
                    and s.at >= since and (watch is None or s.watch == watch)]

    def _count_fault(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self.faults[kind] = self.faults.get(kind, 0) + n

    # ---- the handler ----
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen = Seen(time.monotonic(), request.method, request.path, request.query_string, watch=_is_watch(request))
        with self._lock:
            self.seen.append(seen)
            rule = next((r for r in self.rules if r.matches(request)), None)
            if rule is not None:
                rule.matched += 1
        try:
            if rule is None:
                return await self._forward(request, body, seen)
            if rule.action == "status":
                self._count_fault(f"http-{rule.status}")
                return self._status(seen, rule.status)
            if rule.action == "lose-response":
                seen.forwarded = True
                resp = await self._forward_quietly(request, body)
                self._count_fault("lost-response")
                seen.status = rule.status
                return self._status_with(rule.status, f"upstream answered {resp}, the proxy lost it")
            if rule.action == "hold":
                with self._lock:
                    rule.pending += 1
                    rule.held.append(seen)
                self._count_fault("held-request")
                try:
                    while not rule.released.is_set():
                        if request.transport is None or request.transport.is_closing():
                            seen.status = -1  # the client went away (killed): never forwarded
                            return web.Response(status=499)
                        await asyncio.sleep(0.05)
                finally:
                    with self._lock:
                        rule.pending -= 1
                if rule.forward_on_release:
                    return await self._forward(request, body, seen)
                return self._status(seen, 503)
            raise AssertionError(rule.action)
        finally:
            if seen.status is None:
                seen.status = 0

    def _status(self, seen: Seen, status: int) -> web.Response:
        seen.status = status
        return self._status_with(status, "injected by the reliability tests' kube fault proxy")

    @staticmethod
    def _status_with(status: int, message: str) -> web.Response:
        reason = {409: "Conflict", 503: "ServiceUnavailable", 500: "InternalError", 504: "Timeout"}.get(
            status, "InternalError")
        doc = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
               "reason": reason, "code": status}
        return web.json_response(doc, status=status)

    def _upstream_headers(self, request: web.Request) -> dict[str, str]:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        headers["Accept-Encoding"] = "identity"
        return headers

    async def _forward_quietly(self, request: web.Request, body: bytes) -> int:
        assert self._session is not None
        async with self._session.request(request.method, self.upstream + request.path_qs, data=body or None,
                                         headers=self._upstream_headers(request)) as up:
            await up.read()
            return up.status

    async def _forward(self, request: web.Request, body: bytes, seen: Seen) -> web.StreamResponse:
        assert self._session is not None
        epoch = self._stall_epoch
        seen.forwarded = True
        try:
            up_cm = self._session.request(request.method, self.upstream + request.path_qs, data=body or None,
                                          headers=self._upstream_headers(request))
            up = await up_cm.__aenter__()
        except (aiohttp.ClientError, OSError) as exc:
            self._count_fault("upstream-unavailable")
            seen.status = 503
            return self._status_with(503, f"upstream unavailable: {type(exc).__name__}")
        try:
            resp = web.StreamResponse(status=up.status, headers={
                k: v for k, v in up.headers.items() if k.lower() not in _HOP})
            await resp.prepare(request)
            if not seen.watch:
                seen.status = up.status
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, asyncio.TimeoutError):
                async for chunk in up.content.iter_any():
                    if seen.watch and self._stall_epoch != epoch:
                        await self._stalled(request)
                        break
                    await resp.write(chunk)
                if seen.watch and self._stall_epoch != epoch:
                    await self._stalled(request)  # the server closed it; a stalled proxy does not say so
            seen.status = up.status
            with contextlib.suppress(ConnectionError, RuntimeError):
                await resp.write_eof()
            return resp
        finally:
            await up_cm.__aexit__(None, None, None)

    @staticmethod
    async def _stalled(request: web.Request) -> None:
        """Forward nothing, close nothing, until the client gives up."""
        while request.transport is not None and not request.transport.is_closing():  # noqa: ASYNC110 (polls)
            await asyncio.sleep(0.2)
