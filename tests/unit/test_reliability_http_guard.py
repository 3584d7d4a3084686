"""The operator's Cognito HTTP client verifies TLS: a self-signed server on loopback, reached through the
endpoint override (https://127.0.0.1:<port>), is refused during the handshake, before any HTTP request.

The other guards are proven elsewhere and not repeated here: only Cognito well-known URLs are fetched, checked
before any I/O, redirects included (tests/unit/test_discovery.py: test_refused_urls_make_no_request,
test_refused_urls_stay_refused_with_endpoint_override, test_redirect_off_the_allow_list_is_refused,
test_jwks_uri_must_be_the_pools_own); response size caps (test_oversized_streamed_body_is_cut_short,
test_oversized_declared_length); redirect bounds (test_redirect_loop, test_too_many_redirects); deadlines
(test_slow_drip_body_hits_the_whole_request_deadline); the same against real sockets in
tests/integration/test_discovery_live.py, and end to end in tests/integration/test_reliability_cognito.py.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cognito_sso_operator.discovery import CognitoHttp, DiscoveryError, Reason, create_http_client
from cognito_sso_operator.settings import Settings
from tests import reliability_stats

pytestmark = pytest.mark.reliability

POOL = "us-east-1_AbC123"
AUTH = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
DISC_URL = f"{AUTH}/.well-known/openid-configuration"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cognito-impostor")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class TLSServer:
    url: str
    ca: Path
    requests: list[str]
    handshake_failures: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        body = json.dumps({"issuer": AUTH, "jwks_uri": f"{AUTH}/.well-known/jwks.json"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.requests: list[str] = []
        self.handshake_failures: list[str] = []

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        try:
            return self.context.wrap_socket(sock, server_side=True), addr
        except (ssl.SSLError, OSError) as exc:
            self.handshake_failures.append(f"{type(exc).__name__}: {exc}")
            sock.close()
            raise OSError("TLS handshake failed") from exc


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TLSServer]:
    cert, key = _self_signed(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = _Server(ctx)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield TLSServer(f"https://127.0.0.1:{server.server_address[1]}", cert, server.requests,
                        server.handshake_failures)
    finally:
        server.shutdown()
        server.server_close()


async def test_self_signed_endpoint_is_refused_during_the_tls_handshake(tls_server: TLSServer) -> None:
    settings = Settings(cognito_endpoint_url=tls_server.url, http_timeout_seconds=5.0)
    async with create_http_client(settings) as client:  # the operator's own client, as built at start-up
        with pytest.raises(DiscoveryError) as info:
            await CognitoHttp(client, settings).get_json(DISC_URL)
    err = info.value
    assert (err.reason, err.retryable) == (Reason.UNREACHABLE, True)
    assert "TLS certificate verification failed" in err.message
    assert tls_server.requests == [], "an HTTP request reached a server whose certificate is not trusted"
    # The client aborts first; the server thread records its side of the failed handshake a moment later.
    for _ in range(100):
        if tls_server.handshake_failures:
            break
        await asyncio.sleep(0.02)
    assert tls_server.handshake_failures, "the refusal must happen in the TLS handshake"
    reliability_stats.bad_inputs("untrusted TLS certificate", 1)

    # Control: the very same server with its certificate trusted answers, so the refusal above was TLS.
    trusting = ssl.create_default_context(cafile=str(tls_server.ca))
    async with httpx.AsyncClient(verify=trusting) as client:
        doc = await CognitoHttp(client, settings).get_json(DISC_URL)
    assert doc["issuer"] == AUTH
    assert tls_server.requests == [f"/{POOL}/.well-known/openid-configuration"]


async def test_environment_cannot_turn_tls_verification_off(
        tls_server: TLSServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables that switch verification off for other HTTP stacks (PYTHONHTTPSVERIFY=0, empty CA bundles) do
    not switch it off for the operator."""
    for name in ("PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.setenv(name, "0" if name == "PYTHONHTTPSVERIFY" else "")
    settings = Settings(cognito_endpoint_url=tls_server.url, http_timeout_seconds=5.0)
    async with create_http_client(settings) as client:
        with pytest.raises(DiscoveryError) as info:
            await CognitoHttp(client, settings).get_json(DISC_URL)
    assert info.value.reason is Reason.UNREACHABLE
    assert tls_server.requests == []
    reliability_stats.bad_inputs("untrusted TLS certificate", 1)
