"""Discovery against real servers on loopback: moto (the Cognito stand-in) and a small fault server.

Both are reached only through `Settings.cognito_endpoint_url`, the one test hook of discovery.py: the
operator still asks for https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/... URLs.

The moto stand-in is the session fixture `cognito` from tests/conftest.py (used only through the
fixture: its endpoint_url, authority, pool_id and new_pool()). Its middleware serves Cognito-shaped
documents: jwks_uri in real AWS form, OAuth endpoints only once the pool has a domain.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from cognito_sso_operator.discovery import (
    CognitoHttp,
    DiscoveryCache,
    DiscoveryError,
    Reason,
    check_discovery,
)
from cognito_sso_operator.settings import Settings

REGION = "us-east-1"
LOOP = "127.0.0.1"


def authority(pool: str) -> str:
    return f"https://cognito-idp.{REGION}.amazonaws.com/{pool}"


def _rsa_jwk() -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": "live", "use": "sig", "alg": "RS256"})
    return jwk


RSA_JWK = _rsa_jwk()


def good_doc(pool: str, **over: Any) -> dict[str, Any]:
    domain = f"https://{pool.split('_')[1].lower()}.auth.{REGION}.amazoncognito.com"
    doc: dict[str, Any] = {
        "issuer": authority(pool),
        "jwks_uri": f"{authority(pool)}/.well-known/jwks.json",
        "authorization_endpoint": f"{domain}/oauth2/authorize",
        "token_endpoint": f"{domain}/oauth2/token",
        "userinfo_endpoint": f"{domain}/oauth2/userInfo",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code", "token"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    doc.update(over)
    return {k: v for k, v in doc.items() if v is not None}


# ------------------------------------------------------------------------------------------------
# the fault server: one pool id per scenario
# ------------------------------------------------------------------------------------------------

Scenario = Callable[["_Handler", str, str], None]  # (handler, pool, document)


@dataclass
class FaultServer:
    """A threaded HTTP/1.0 server on 127.0.0.1 whose behaviour is chosen by the pool id in the path."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        return f"http://{LOOP}:{self.httpd.server_address[1]}"

    def hits(self, pool: str) -> int:
        return sum(1 for p in list(self.requests) if p.startswith(f"/{pool}/"))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        fault = self.server.fault
        fault.requests.append(self.path)
        parts = self.path.split("/")
        if len(parts) != 4 or parts[2] != ".well-known" or parts[1] not in fault.scenarios:
            self.send_json(404, {"message": "no such scenario"})
            return
        fault.scenarios[parts[1]](self, parts[1], parts[3])

    def send_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fault: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on purpose (timeouts, size cap) are expected here


def serve_pool(doc: Callable[[str], dict[str, Any]], jwks: dict[str, Any] | None = None) -> Scenario:
    def run(h: _Handler, pool: str, document: str) -> None:
        if document == "openid-configuration":
            h.send_json(200, doc(pool))
        else:
            h.send_json(200, jwks if jwks is not None else {"keys": [RSA_JWK]})

    return run


def status_500(h: _Handler, pool: str, document: str) -> None:
    h.send_json(500, {"message": "internal error"})


def bad_json(h: _Handler, pool: str, document: str) -> None:
    raw = b"<html><body>Gateway says hello</body></html>"
    h.send_response(200)
    h.send_header("Content-Length", str(len(raw)))
    h.end_headers()
    h.wfile.write(raw)


def slow_headers(h: _Handler, pool: str, document: str) -> None:
    h.server.fault.stop.wait(5.0)  # far beyond the client's deadline; bounded, and released at teardown
    h.send_json(200, good_doc(pool))


def slow_drip(h: _Handler, pool: str, document: str) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(100):  # 1 byte every 50 ms: every read is quick, the whole body takes 5 s
        if h.server.fault.stop.wait(0.05):
            return
        h.wfile.write(b" ")
        h.wfile.flush()


def huge(declare_length: bool) -> Scenario:
    def run(h: _Handler, pool: str, document: str) -> None:
        chunk = b" " * 16384
        total = 2 * 1024 * 1024
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if declare_length:
            h.send_header("Content-Length", str(total))
        h.end_headers()  # HTTP/1.0 without Content-Length: the body ends when the connection closes
        for _ in range(total // len(chunk)):
            if h.server.fault.stop.is_set():
                return
            h.wfile.write(chunk)

    return run


def redirect_to(location: Callable[[_Handler, str, str], str]) -> Scenario:
    def run(h: _Handler, pool: str, document: str) -> None:
        h.send_response(302)
        h.send_header("Location", location(h, pool, document))
        h.send_header("Content-Length", "0")
        h.end_headers()

    return run


@pytest.fixture(scope="module")
def fault() -> Iterator[FaultServer]:
    state = FaultServer()
    httpd = _Server((LOOP, 0), _Handler)
    httpd.fault = state
    state.httpd = httpd
    state.scenarios.update({
        "us-east-1_Good": serve_pool(good_doc),
        "us-east-1_Issuer": serve_pool(lambda p: good_doc(p, issuer=authority("us-east-1_Someone"))),
        "us-east-1_NoKeys": serve_pool(good_doc, {"keys": []}),
        "us-east-1_NoDomain": serve_pool(
            lambda p: good_doc(p, authorization_endpoint=None, token_endpoint=None, userinfo_endpoint=None)
        ),
        "us-east-1_Fail500": status_500,
        "us-east-1_BadJson": bad_json,
        "us-east-1_Slow": slow_headers,
        "us-east-1_Drip": slow_drip,
        "us-east-1_Huge": huge(declare_length=False),
        "us-east-1_HugeDeclared": huge(declare_length=True),
        "us-east-1_Loop": redirect_to(lambda h, p, d: f"/{p}/.well-known/{d}"),
        "us-east-1_PingA": redirect_to(lambda h, p, d: f"/us-east-1_PingB/.well-known/{d}"),
        "us-east-1_PingB": redirect_to(lambda h, p, d: f"/us-east-1_PingA/.well-known/{d}"),
        "us-east-1_Escape": redirect_to(
            lambda h, p, d: f"{h.server.fault.base_url}/us-east-1_Good/.well-known/{d}"
        ),
        "us-east-1_ForeignJwks": serve_pool(lambda p: good_doc(p, jwks_uri=f"http://{LOOP}:1/keys")),
    })
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def settings_for(base_url: str, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "cognito_endpoint_url": base_url,
        "http_timeout_seconds": 0.5,
        "max_response_bytes": 64 * 1024,
        "max_redirects": 3,
    }
    values.update(kw)
    return Settings(**values)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


async def fetch_error(cache: DiscoveryCache, pool: str) -> DiscoveryError:
    with pytest.raises(DiscoveryError) as info:
        await cache.get(authority(pool))
    return info.value


def check(pool: str, disc: Any) -> list[str]:
    return [
        e.reason.value
        for e in check_discovery(
            disc,
            authority=authority(pool),
            token_validation_algorithm="RS256",
            client_authentication_method="client_secret_basic",
            response_type="code",
        )
    ]


# ------------------------------------------------------------------------------------------------
# fault server scenarios
# ------------------------------------------------------------------------------------------------


async def test_good_pool(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    disc = await cache.get(authority("us-east-1_Good"))
    assert disc.jwks_keys == (RSA_JWK,)
    assert check("us-east-1_Good", disc) == []


async def test_issuer_mismatch(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    disc = await cache.get(authority("us-east-1_Issuer"))
    assert check("us-east-1_Issuer", disc) == ["IssuerMismatch"]


async def test_jwks_without_keys(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    disc = await cache.get(authority("us-east-1_NoKeys"))
    assert check("us-east-1_NoKeys", disc) == ["JWKSNoUsableKey"]


async def test_pool_without_domain(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    disc = await cache.get(authority("us-east-1_NoDomain"))
    assert check("us-east-1_NoDomain", disc) == ["PoolHasNoDomain"]


async def test_http_500_is_retryable_and_not_cached(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    before = fault.hits("us-east-1_Fail500")
    for _ in range(2):
        err = await fetch_error(cache, "us-east-1_Fail500")
        assert (err.reason, err.status_code, err.retryable) == (Reason.HTTP_ERROR, 500, True)
    assert fault.hits("us-east-1_Fail500") - before == 2


async def test_invalid_json(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    err = await fetch_error(cache, "us-east-1_BadJson")
    assert err.reason == Reason.INVALID_JSON


@pytest.mark.parametrize("pool", ["us-east-1_Slow", "us-east-1_Drip"])
async def test_slow_response_times_out(pool: str, fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url, http_timeout_seconds=0.5)))
    started = time.monotonic()
    err = await fetch_error(cache, pool)
    assert (err.reason, err.retryable) == (Reason.TIMEOUT, True)
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize("pool", ["us-east-1_Huge", "us-east-1_HugeDeclared"])
async def test_oversized_body(pool: str, fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url, max_response_bytes=64 * 1024)))
    err = await fetch_error(cache, pool)
    assert err.reason == Reason.TOO_LARGE


@pytest.mark.parametrize("pool", ["us-east-1_Loop", "us-east-1_PingA"])
async def test_redirect_loop(pool: str, fault: FaultServer, client: httpx.AsyncClient) -> None:
    before = len(fault.requests)
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url, max_redirects=3)))
    err = await fetch_error(cache, pool)
    assert err.reason == Reason.TOO_MANY_REDIRECTS
    assert len(fault.requests) - before <= 4


async def test_redirect_to_the_override_origin_itself_is_refused(
    fault: FaultServer, client: httpx.AsyncClient
) -> None:
    # the endpoint override maps Cognito URLs; it does not make the override host fetchable
    good_before = fault.hits("us-east-1_Good")
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    err = await fetch_error(cache, "us-east-1_Escape")
    assert err.reason == Reason.URL_REFUSED
    assert fault.hits("us-east-1_Good") == good_before


async def test_foreign_jwks_uri_is_refused(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url)))
    err = await fetch_error(cache, "us-east-1_ForeignJwks")
    assert err.reason == Reason.URL_REFUSED
    assert fault.hits("us-east-1_ForeignJwks") == 1  # the document only, no JWKS request


async def test_single_flight_against_a_real_server(fault: FaultServer, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(fault.base_url, http_timeout_seconds=5)))
    before = fault.hits("us-east-1_Good")
    results = await asyncio.gather(*(cache.get(authority("us-east-1_Good")) for _ in range(200)))
    assert fault.hits("us-east-1_Good") - before == 2  # one discovery document, one JWKS
    assert cache.fetches == 1
    assert all(r is results[0] for r in results)


async def test_connection_refused_is_unreachable(client: httpx.AsyncClient) -> None:
    with socket.socket() as s:
        s.bind((LOOP, 0))
        port = s.getsockname()[1]
    cache = DiscoveryCache(CognitoHttp(client, settings_for(f"http://{LOOP}:{port}")))
    err = await fetch_error(cache, "us-east-1_Good")
    assert (err.reason, err.retryable) == (Reason.UNREACHABLE, True)


# ------------------------------------------------------------------------------------------------
# the shared moto stand-in (session fixture `cognito` from tests/conftest.py)
# ------------------------------------------------------------------------------------------------


async def test_standin_pool_with_domain_passes_every_check(cognito: Any, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(cognito.endpoint_url, http_timeout_seconds=5)))
    disc = await cache.get(cognito.authority)
    assert disc.issuer == cognito.authority
    assert disc.jwks_uri == f"{cognito.authority}/.well-known/jwks.json"
    assert disc.jwks_keys
    assert disc.token_endpoint
    assert check(cognito.pool_id, disc) == []
    assert await cache.get(cognito.authority) is disc
    assert (cache.fetches, cache.hits) == (1, 1)


async def test_standin_pool_without_domain(cognito: Any, client: httpx.AsyncClient) -> None:
    pool = cognito.new_pool(with_domain=False)
    cache = DiscoveryCache(CognitoHttp(client, settings_for(cognito.endpoint_url, http_timeout_seconds=5)))
    disc = await cache.get(pool.authority)
    assert check(pool.pool_id, disc) == ["PoolHasNoDomain"]


async def test_standin_unknown_pool_is_a_permanent_http_error(cognito: Any, client: httpx.AsyncClient) -> None:
    cache = DiscoveryCache(CognitoHttp(client, settings_for(cognito.endpoint_url, http_timeout_seconds=5)))
    err = await fetch_error(cache, "us-east-1_DoesNotExist0")
    assert (err.reason, err.status_code, err.retryable) == (Reason.HTTP_ERROR, 404, False)
    assert "us-east-1_DoesNotExist0" in err.message


async def test_standin_issuer_is_checked_against_the_configured_authority(
    cognito: Any, client: httpx.AsyncClient
) -> None:
    other = cognito.new_pool(with_domain=True)
    cache = DiscoveryCache(CognitoHttp(client, settings_for(cognito.endpoint_url, http_timeout_seconds=5)))
    disc = await cache.get(other.authority)
    problems = check_discovery(
        disc,
        authority=cognito.authority,  # a CognitoSSO naming one pool, validated against another's document
        token_validation_algorithm="RS256",
        client_authentication_method="client_secret_basic",
        response_type="code",
    )
    assert [p.reason for p in problems] == [Reason.ISSUER_MISMATCH]


async def test_standin_single_flight(cognito: Any, client: httpx.AsyncClient) -> None:
    fetched: list[bool] = []
    cache = DiscoveryCache(
        CognitoHttp(client, settings_for(cognito.endpoint_url, http_timeout_seconds=5)),
        on_fetch=lambda _d, ok: fetched.append(ok),
    )
    results = await asyncio.gather(*(cache.get(cognito.authority) for _ in range(1000)))
    assert fetched == [True]
    assert cache.fetches == 1
    assert all(r is results[0] for r in results)
