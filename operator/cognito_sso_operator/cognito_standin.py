"""A local stand-in for AWS Cognito: moto's server, plus the discovery details moto leaves out.

The tests and the demo need a Cognito user pool that answers over HTTP like the real one: an OIDC
discovery document, a JWKS, and ID tokens signed with the key in that JWKS. moto (``moto[server]``)
implements the Cognito user-pool API and serves ``/{poolId}/.well-known/jwks.json`` and
``/{poolId}/.well-known/openid-configuration``. This module runs moto's WSGI app on a free loopback port
(in a thread of this process, or in a child process) and provisions a pool through boto3 exactly as one
would against AWS: a user pool, a hosted-UI domain, a resource server, a confidential app client for
OpenMetadata and a user.

Where moto differs from Cognito, and what the `CognitoDiscoveryMiddleware` wrapped around moto's app
does about it:

* **Discovery document.** moto's ``openid-configuration`` has only ``issuer``, ``jwks_uri`` (pointing
  at the host the request came to), ``response_types_supported``, ``scopes_supported``,
  ``subject_types_supported`` and ``id_token_signing_alg_values_supported``. Real Cognito publishes
  ``jwks_uri`` as ``https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/jwks.json`` and
  ``token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"]``, and — only
  when the pool has a domain — ``authorization_endpoint``, ``token_endpoint``, ``userinfo_endpoint``,
  ``revocation_endpoint`` and ``end_session_endpoint`` under
  ``https://<domain>.auth.<region>.amazoncognito.com`` (or ``https://<custom domain>``). The middleware
  rewrites the document into that shape, looking the domain up in moto's backend. A pool without a
  domain therefore has no ``token_endpoint``, which is how the operator detects it.
* **Unknown pools.** moto answers discovery and JWKS for any pool id; the middleware answers 404 with
  ``{"message": "User pool <id> does not exist."}`` for pools moto does not know.
* **Client secret rotation.** moto 5.2 does not implement ``AddUserPoolClientSecret``; the middleware
  does (same request/response shape), by giving the app client a new secret in moto's backend. Unlike
  Cognito, which keeps up to two secrets valid during a rotation, the old secret stops working at once.
  (moto verifies ``SECRET_HASH`` only on the SRP and refresh-token flows, not on password flows.)

How the operator reaches it: its setting ``COGNITO_SSO_COGNITO_ENDPOINT_URL=http://127.0.0.1:<port>``
replaces the ``https://cognito-idp.<region>.amazonaws.com`` origin of every Cognito URL it fetches (like
an AWS SDK endpoint URL). The issuer and ``jwks_uri`` keep their real AWS form, so after that substitution
every URL the operator follows lands on this server. The hosted-UI endpoints
(``*.amazoncognito.com``) are not served; the operator only reads them from the document.

Isolation: moto keeps its state in module globals. ``moto.mock_aws()`` resets all of it when it starts,
so a test using ``mock_aws`` in the same process would wipe an in-process stand-in. Use
``in_process=False`` (a child process, what the test fixtures do) when that can happen.

``python -m cognito_sso_operator.cognito_standin`` starts one, prints the JSON of the `CognitoStandIn`
(including the client secret: it is a throwaway) and stays up until interrupted.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import hashlib
import hmac
import io
import json
import logging
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, cast

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
CALLBACK_URL = "https://openmetadata.example.com/callback"
LOGOUT_URL = "https://openmetadata.example.com/logout"
RESOURCE_SERVER = "https://openmetadata.example.com"
OAUTH_SCOPES = ("openid", "email", "profile")
TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

_DISCOVERY_RE = re.compile(r"^/(?P<pool>[^/]+)/\.well-known/openid-configuration/?$")
_JWKS_RE = re.compile(r"^/(?P<pool>[^/]+)/\.well-known/jwks\.json/?$")
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


# --------------------------------------------------------------------------------------------------
# Pure helpers (unit-tested)
# --------------------------------------------------------------------------------------------------


def region_of_pool(pool_id: str) -> str:
    """Cognito pool ids are ``<region>_<suffix>``."""
    region, sep, _ = pool_id.rpartition("_")
    return region if sep and region else DEFAULT_REGION


def issuer_for(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def hosted_ui_base(domain: str, region: str, *, custom: bool = False) -> str:
    """Origin of the hosted UI / OAuth endpoints of a pool domain (prefix or custom domain)."""
    if custom or "." in domain:
        return f"https://{domain}"
    return f"https://{domain}.auth.{region}.amazoncognito.com"


def cognito_discovery_document(
    upstream: dict[str, Any], pool_id: str, region: str, domain: str | None, *, custom_domain: bool = False
) -> dict[str, Any]:
    """Turn moto's discovery document into the shape real Cognito serves."""
    issuer = issuer_for(region, pool_id)
    doc = dict(upstream)
    doc["issuer"] = issuer
    doc["jwks_uri"] = f"{issuer}/.well-known/jwks.json"
    doc.setdefault("response_types_supported", ["code", "token"])
    doc.setdefault("scopes_supported", ["openid", "email", "phone", "profile"])
    doc.setdefault("subject_types_supported", ["public"])
    doc.setdefault("id_token_signing_alg_values_supported", ["RS256"])
    doc["token_endpoint_auth_methods_supported"] = list(TOKEN_ENDPOINT_AUTH_METHODS)
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        doc.pop(key, None)
    if domain:
        base = hosted_ui_base(domain, region, custom=custom_domain)
        doc["authorization_endpoint"] = f"{base}/oauth2/authorize"
        doc["token_endpoint"] = f"{base}/oauth2/token"
        doc["userinfo_endpoint"] = f"{base}/oauth2/userInfo"
        doc["revocation_endpoint"] = f"{base}/oauth2/revoke"
        doc["end_session_endpoint"] = f"{base}/logout"
    return dict(sorted(doc.items()))


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA256(secret, username + client_id))."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --------------------------------------------------------------------------------------------------
# moto backend access (runs where the server runs)
# --------------------------------------------------------------------------------------------------


def _find_moto_pool(pool_id: str) -> Any | None:
    from moto.cognitoidp.models import cognitoidp_backends

    region = region_of_pool(pool_id)
    for account_id in list(cognitoidp_backends.keys()):
        backend = cognitoidp_backends[account_id][region]
        pool = backend.user_pools.get(pool_id)
        if pool is not None:
            return pool
    return None


class CognitoDiscoveryMiddleware:
    """WSGI middleware around moto's app; see the module docstring for what it changes and why."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD"):
            m = _DISCOVERY_RE.match(path)
            if m:
                return self._discovery(m.group("pool"), environ, start_response)
            m = _JWKS_RE.match(path)
            if m and _find_moto_pool(m.group("pool")) is None:
                return self._json(start_response, 404, _no_such_pool(m.group("pool")))
        target = environ.get("HTTP_X_AMZ_TARGET", "") or ""
        if method == "POST" and target == _TARGET_PREFIX + "AddUserPoolClientSecret":
            return self._add_client_secret(environ, start_response)
        return self.app(environ, start_response)

    def _discovery(self, pool_id: str, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        pool = _find_moto_pool(pool_id)
        if pool is None:
            return self._json(start_response, 404, _no_such_pool(pool_id))
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured["status"] = status
            return lambda _data: None

        body = b"".join(self.app(environ, capture))
        if not str(captured.get("status", "")).startswith("200"):
            return self._json(start_response, 502, {"message": "moto did not serve the discovery document"})
        upstream = json.loads(body)
        domain_obj = pool.domain
        domain = str(domain_obj.domain) if domain_obj is not None else None
        custom = bool(getattr(domain_obj, "custom_domain_config", None)) if domain_obj is not None else False
        doc = cognito_discovery_document(upstream, pool_id, str(pool.region), domain, custom_domain=custom)
        return self._json(start_response, 200, doc)

    def _add_client_secret(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            request = json.loads(raw or b"{}")
            pool_id = str(request["UserPoolId"])
            client_id = str(request["ClientId"])
        except (ValueError, KeyError):
            return self._aws_error(start_response, "InvalidParameterException", "UserPoolId and ClientId")
        pool = _find_moto_pool(pool_id)
        if pool is None:
            return self._aws_error(start_response, "ResourceNotFoundException", f"User pool {pool_id} ...")
        client = pool.clients.get(client_id)
        if client is None:
            return self._aws_error(start_response, "ResourceNotFoundException", f"Client {client_id} ...")
        if not client.generate_secret:
            return self._aws_error(start_response, "InvalidParameterException", "client has no secret")
        new_secret = str(request.get("ClientSecret") or secrets.token_urlsafe(38)[:51])
        client.secret = new_secret
        now = datetime.datetime.now(datetime.UTC).timestamp()
        descriptor = {
            "ClientSecretId": f"{client_id}--{int(now * 1000)}",
            "ClientSecretValue": new_secret,
            "ClientSecretCreateDate": now,
        }
        return self._json(start_response, 200, {"ClientSecretDescriptor": descriptor}, "application/x-amz-json-1.1")

    @staticmethod
    def _json(
        start_response: StartResponse, status: int, doc: Any, content_type: str = "application/json"
    ) -> Iterable[bytes]:
        body = json.dumps(doc).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 502: "Bad Gateway"}.get(status, "")
        start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def _aws_error(self, start_response: StartResponse, code: str, message: str) -> Iterable[bytes]:
        return self._json(start_response, 400, {"__type": code, "message": message}, "application/x-amz-json-1.1")


def _no_such_pool(pool_id: str) -> dict[str, str]:
    return {"message": f"User pool {pool_id} does not exist."}


# --------------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------------


def make_wsgi_app() -> WSGIApp:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return CognitoDiscoveryMiddleware(cast(WSGIApp, DomainDispatcherApplication(create_backend_app)))


class _Server(Protocol):
    """What CognitoStandIn needs from a running server."""

    endpoint_url: str

    def stop(self) -> None: ...


class ThreadServer(_Server):
    """moto + middleware under werkzeug's threaded server, in a daemon thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        self._server = make_server(host, port, make_wsgi_app(), threaded=True, request_handler=QuietHandler)
        self.endpoint_url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="cognito-standin", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class ProcessServer(_Server):
    """The same server in a child process (`--serve-only`), isolated from this process's moto state."""

    def __init__(self, startup_timeout: float = 60.0) -> None:
        from .envtest import child_preexec

        fd, log_name = tempfile.mkstemp(prefix="cognito-standin-", suffix=".log")
        os.close(fd)
        self.log_path = Path(log_name)
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__, "--serve-only", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
            preexec_fn=child_preexec(),  # a killed test run leaves no stand-in behind
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], startup_timeout)
        line = self._proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://"):
            self._log.flush()
            output = self.log_path.read_text(errors="replace")[-4000:]
            self.stop()
            raise RuntimeError(f"the Cognito stand-in process did not start (got {line!r}); log:\n{output}")
        self.endpoint_url = line

    def stop(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=10)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._log.close()
        with contextlib.suppress(OSError):
            self.log_path.unlink()


# --------------------------------------------------------------------------------------------------
# Pools
# --------------------------------------------------------------------------------------------------


def boto_client(endpoint_url: str, region: str = DEFAULT_REGION) -> Any:
    """A boto3 cognito-idp client for the stand-in (dummy credentials)."""
    import boto3

    return boto3.client("cognito-idp", endpoint_url=endpoint_url, region_name=region, **DUMMY_CREDENTIALS)


@dataclass
class CognitoPool:
    """One provisioned user pool with an OpenMetadata app client and a user."""

    endpoint_url: str
    region: str
    pool_id: str
    authority: str
    client_id: str
    client_secret: str
    domain: str | None
    username: str
    password: str
    email: str
    callback_url: str = CALLBACK_URL

    @property
    def discovery_url(self) -> str:
        """Where the stand-in serves the discovery document (endpoint URL in place of the AWS origin)."""
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"

    def client(self) -> Any:
        return boto_client(self.endpoint_url, self.region)

    def id_token(self, username: str | None = None, password: str | None = None) -> str:
        """A real RS256 ID token for a user of this pool (ADMIN_USER_PASSWORD_AUTH with SECRET_HASH)."""
        user = username or self.username
        result = self.client().admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": user,
                "PASSWORD": password or self.password,
                "SECRET_HASH": secret_hash(user, self.client_id, self.client_secret),
            },
        )
        return str(result["AuthenticationResult"]["IdToken"])

    def rotate_secret(self) -> str:
        """Give the app client a new secret through AddUserPoolClientSecret; returns it (and keeps it).

        The previous secret stops working at once (moto keeps one secret per client; see module doc)."""
        resp = self.client().add_user_pool_client_secret(UserPoolId=self.pool_id, ClientId=self.client_id)
        self.client_secret = str(resp["ClientSecretDescriptor"]["ClientSecretValue"])
        return self.client_secret

    def add_user(self, username: str, email: str | None = None, password: str | None = None) -> str:
        """Create a confirmed user; returns its password."""
        return _create_user(self.client(), self.pool_id, username, email or f"{username}@example.com", password)

    def as_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
        d["discovery_url"] = self.discovery_url
        d["jwks_url"] = self.jwks_url
        return d


def _create_user(client: Any, pool_id: str, username: str, email: str, password: str | None) -> str:
    pw = password or ("Aa1!" + secrets.token_urlsafe(16))
    client.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": username.title()},
        ],
        MessageAction="SUPPRESS",
    )
    client.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=pw, Permanent=True)
    return pw


def provision_pool(
    endpoint_url: str,
    region: str = DEFAULT_REGION,
    *,
    name: str | None = None,
    with_domain: bool = True,
    with_resource_server: bool = True,
    username: str = "alice",
    callback_url: str = CALLBACK_URL,
) -> CognitoPool:
    """Create a pool as one would for OpenMetadata on AWS, via the Cognito API of the stand-in."""
    client = boto_client(endpoint_url, region)
    suffix = secrets.token_hex(4)
    pool_name = name or f"openmetadata-{suffix}"
    pool_id = str(
        client.create_user_pool(
            PoolName=pool_name,
            AutoVerifiedAttributes=["email"],
            Policies={"PasswordPolicy": {"MinimumLength": 8}},
        )["UserPool"]["Id"]
    )
    domain: str | None = None
    if with_domain:
        domain = f"openmetadata-{suffix}"
        client.create_user_pool_domain(Domain=domain, UserPoolId=pool_id)
    scopes = list(OAUTH_SCOPES)
    if with_resource_server:
        client.create_resource_server(
            UserPoolId=pool_id,
            Identifier=RESOURCE_SERVER,
            Name="openmetadata",
            Scopes=[{"ScopeName": "read", "ScopeDescription": "read OpenMetadata"}],
        )
    app = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="openmetadata",
        GenerateSecret=True,
        CallbackURLs=[callback_url],
        LogoutURLs=[LOGOUT_URL],
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=scopes,
        SupportedIdentityProviders=["COGNITO"],
        ExplicitAuthFlows=[
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]
    email = f"{username}@example.com"
    password = _create_user(client, pool_id, username, email, None)
    return CognitoPool(
        endpoint_url=endpoint_url,
        region=region,
        pool_id=pool_id,
        authority=issuer_for(region, pool_id),
        client_id=str(app["ClientId"]),
        client_secret=str(app["ClientSecret"]),
        domain=domain,
        username=username,
        password=password,
        email=email,
        callback_url=callback_url,
    )


@dataclass
class CognitoStandIn(CognitoPool):
    """The running stand-in and its default pool (whose fields it carries). Use `start()`."""

    _server: _Server | None = field(default=None, repr=False, compare=False)

    @classmethod
    def start(cls, region: str = DEFAULT_REGION, *, in_process: bool = True) -> CognitoStandIn:
        server: _Server = ThreadServer() if in_process else ProcessServer()
        try:
            pool = provision_pool(server.endpoint_url, region)
        except BaseException:
            server.stop()
            raise
        return cls(**asdict(pool), _server=server)

    def new_pool(self, *, with_domain: bool = True, username: str = "alice") -> CognitoPool:
        """Another independent pool on the same server (e.g. one without a domain)."""
        return provision_pool(self.endpoint_url, self.region, with_domain=with_domain, username=username)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> CognitoStandIn:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cognito_sso_operator.cognito_standin",
        description="Run moto as a local Cognito stand-in with an OpenMetadata pool; print it as JSON.",
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--serve-only", action="store_true", help="only serve (no pool); print the endpoint URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    server = ThreadServer(args.host, args.port)
    try:
        if args.serve_only:
            print(server.endpoint_url, flush=True)
        else:
            pool = provision_pool(server.endpoint_url, args.region)
            print(json.dumps(pool.as_dict(), indent=2), flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
