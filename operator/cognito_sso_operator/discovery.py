"""Cognito OIDC discovery: a guarded HTTP fetcher, a single-flight TTL/LRU cache, and pure checks.

Layout (I/O at the edge, everything else pure):

* `allowed_url` / `discovery_url_for` — pure allow-list. Only
  ``https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/{openid-configuration,jwks.json}``
  is ever fetched; anything else is refused with `DiscoveryError` (reason ``DiscoveryURLRefused``)
  before any network I/O, so a CognitoSSO object (or a redirect, or a ``jwks_uri`` inside a fetched
  document) cannot make the operator call arbitrary hosts (no SSRF).
* `CognitoHttp` — wraps the one shared `httpx.AsyncClient`; manual redirects (each hop re-checked),
  streamed body with a hard size cap, one deadline for the whole request.
* `DiscoveryCache` — per-authority cache with TTL and LRU bound; concurrent callers share one fetch.
* `check_discovery` — pure validation of a fetched `Discovery` against the spec (the same checks
  OpenMetadata's Cognito validator performs), returning every problem found.

The only test hook is `Settings.cognito_endpoint_url`: when set, the origin
``https://cognito-idp.<region>.amazonaws.com`` of an *already allowed* URL is replaced by that base URL
(like the AWS SDKs' endpoint URL). The allow-list itself is never relaxed: redirects and ``jwks_uri``
values must still be real Cognito URLs, which are then mapped the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from jwt.algorithms import RSAAlgorithm

from .settings import Settings
from .spec import AUTHORITY_PATTERN, MAX_URL, REGION_RE

log = logging.getLogger(__name__)

__all__ = [
    "CognitoHttp",
    "CognitoURL",
    "Discovery",
    "DiscoveryCache",
    "DiscoveryError",
    "Reason",
    "allowed_url",
    "check_discovery",
    "create_http_client",
    "discovery_url_for",
    "fetch_discovery",
    "jwks_url_for",
    "parse_discovery",
    "safe_url",
    "usable_jwks_keys",
]

OPENID_CONFIGURATION = "openid-configuration"
JWKS_JSON = "jwks.json"
_WELL_KNOWN = "/.well-known/"

_ALLOWED_URL = re.compile(
    rf"https://cognito-idp\.(?P<region>{REGION_RE})\.amazonaws\.com"
    rf"/(?P<pool>(?P<pool_region>{REGION_RE})_[0-9A-Za-z]+)"
    rf"/\.well-known/(?P<doc>openid-configuration|jwks\.json)"
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_STATUSES = frozenset({408, 425, 429})
_EXCERPT_BYTES = 120
_URL_IN_MESSAGE = 200
# JWK members that only private keys carry (RFC 7518 §6.2.2, §6.3.2, §6.4): never kept.
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})


class Reason(StrEnum):
    """Condition reasons (CamelCase) carried by `DiscoveryError.reason`."""

    URL_REFUSED = "DiscoveryURLRefused"
    UNREACHABLE = "DiscoveryUnreachable"
    TIMEOUT = "DiscoveryTimeout"
    HTTP_ERROR = "DiscoveryHTTPError"
    INVALID_JSON = "DiscoveryInvalidJSON"
    TOO_LARGE = "DiscoveryTooLarge"
    TOO_MANY_REDIRECTS = "DiscoveryTooManyRedirects"
    ISSUER_MISMATCH = "IssuerMismatch"
    JWKS_NO_USABLE_KEY = "JWKSNoUsableKey"
    POOL_HAS_NO_DOMAIN = "PoolHasNoDomain"
    AUTH_METHOD_NOT_SUPPORTED = "AuthMethodNotSupported"
    RESPONSE_TYPE_NOT_SUPPORTED = "ResponseTypeNotSupported"


class DiscoveryError(Exception):
    """A discovery problem, shaped for a status condition.

    `reason` is a CamelCase `Reason`; `message` is for humans: it names the URL and says what to do.
    Messages carry at most a short sanitized excerpt of a response body and never credentials
    (userinfo, query strings and fragments are stripped from every URL quoted).
    `retryable` is true for transient failures (network, timeouts, 5xx/429), false for problems that
    need a change somewhere (a refused URL, a wrong issuer, a pool without a domain, ...).
    """

    def __init__(
        self,
        reason: Reason,
        message: str,
        *,
        retryable: bool = False,
        url: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message: str = message
        self.retryable: bool = retryable
        self.url: str | None = url
        self.status_code: int | None = status_code

    def __repr__(self) -> str:
        return f"DiscoveryError({self.reason.value!r}, {self.message!r}, retryable={self.retryable})"


# --------------------------------------------------------------------------------------------------
# pure helpers: sanitizing, allow-list
# --------------------------------------------------------------------------------------------------


def _printable(text: str, limit: int) -> str:
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def safe_url(url: str) -> str:
    """A URL fit for a message: no userinfo, query or fragment, no control characters, bounded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _printable(url.split("?", 1)[0].split("#", 1)[0], _URL_IN_MESSAGE)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else parts.path
    if parts.query or parts.fragment:
        shown += "?…"
    return _printable(shown, _URL_IN_MESSAGE)


def _excerpt(body: bytes) -> str:
    return _printable(body[:_EXCERPT_BYTES].decode("utf-8", errors="replace"), _EXCERPT_BYTES)


@dataclass(frozen=True)
class CognitoURL:
    """An allowed Cognito well-known URL, split into its parts."""

    url: str
    region: str
    pool_id: str
    document: str  # "openid-configuration" or "jwks.json"

    @property
    def authority(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def path(self) -> str:
        return f"/{self.pool_id}{_WELL_KNOWN}{self.document}"


def allowed_url(url: str) -> CognitoURL:
    """Return the parsed URL if it may be fetched, else raise `DiscoveryError` (DiscoveryURLRefused).

    Exact match only: https, the regional ``cognito-idp`` host, no userinfo, no port, the pool id
    (whose region prefix must equal the host's region), and one of the two well-known documents;
    no query, fragment, trailing slash or anything else.
    """
    m = _ALLOWED_URL.fullmatch(url) if len(url) <= MAX_URL else None
    if m is None or m.group("region") != m.group("pool_region"):
        raise DiscoveryError(
            Reason.URL_REFUSED,
            f"refused to fetch {safe_url(url)}: the operator only fetches "
            "https://cognito-idp.<region>.amazonaws.com/<userPoolId>/.well-known/openid-configuration "
            "and .../jwks.json of a user pool in the same region; check spec.authority",
            url=safe_url(url),
        )
    return CognitoURL(url=url, region=m.group("region"), pool_id=m.group("pool"), document=m.group("doc"))


def _authority_parts(authority: str) -> tuple[str, str]:
    m = AUTHORITY_PATTERN.fullmatch(authority) if len(authority) <= MAX_URL else None
    if m is None or m.group(1) != m.group(3):
        raise DiscoveryError(
            Reason.URL_REFUSED,
            f"refused to fetch discovery for authority {safe_url(authority)}: spec.authority must be "
            "exactly https://cognito-idp.<region>.amazonaws.com/<userPoolId> with the pool in that region "
            "and no trailing slash",
            url=safe_url(authority),
        )
    return m.group(1), m.group(2)


def discovery_url_for(authority: str) -> str:
    """``<authority>/.well-known/openid-configuration``; refuses an authority that is not a Cognito pool."""
    _authority_parts(authority)
    return f"{authority}{_WELL_KNOWN}{OPENID_CONFIGURATION}"


def jwks_url_for(authority: str) -> str:
    """``<authority>/.well-known/jwks.json``; refuses an authority that is not a Cognito pool."""
    _authority_parts(authority)
    return f"{authority}{_WELL_KNOWN}{JWKS_JSON}"


# --------------------------------------------------------------------------------------------------
# HTTP edge
# --------------------------------------------------------------------------------------------------


def create_http_client(settings: Settings) -> httpx.AsyncClient:
    """The one shared client, built at operator start-up and passed to `CognitoHttp` (via kopf's memo).

    TLS verification stays at httpx's default (on); redirects are never followed by httpx itself.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.http_timeout_seconds),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        headers={"User-Agent": "cognito-sso-operator"},
    )


class CognitoHttp:
    """Fetches Cognito well-known JSON documents, and nothing else, through one shared client.

    Every URL (the first one and every redirect hop) must pass `allowed_url` before any I/O.
    Redirects are followed by hand, at most `settings.max_redirects`; a loop is an error. The body is
    streamed and the read stops as soon as it exceeds `settings.max_response_bytes`. The whole request
    (all hops and the body) must finish within `settings.http_timeout_seconds`.
    """

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        base = settings.cognito_endpoint_url.rstrip("/")
        if base:
            parts = urlsplit(base)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise ValueError("cognito_endpoint_url must be an http(s) base URL without query or fragment")
        self._endpoint_base = base

    @property
    def settings(self) -> Settings:
        return self._settings

    def physical_url(self, allowed: CognitoURL) -> str:
        """Where an allowed URL is really fetched: itself, or its path under the endpoint override."""
        if self._endpoint_base:
            return self._endpoint_base + allowed.path
        return allowed.url

    async def get_json(self, url: str) -> dict[str, Any]:
        """GET an allowed Cognito URL and return its JSON object, or raise `DiscoveryError`."""
        allowed = allowed_url(url)  # refuse before any I/O
        timeout = self._settings.http_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                return await self._get_following_redirects(allowed)
        except TimeoutError:
            raise DiscoveryError(
                Reason.TIMEOUT,
                f"fetching {safe_url(url)} took longer than {timeout:g}s; Cognito or the network is slow "
                "or unreachable, the operator will retry",
                retryable=True,
                url=safe_url(url),
            ) from None

    async def _get_following_redirects(self, allowed: CognitoURL) -> dict[str, Any]:
        first = allowed.url
        seen = {allowed.url}
        hops = 0
        while True:
            location = await self._get_once(allowed)
            if isinstance(location, dict):
                return location
            hops += 1
            target = urljoin(allowed.url, location)
            if target in seen or hops > self._settings.max_redirects:
                limit = self._settings.max_redirects
                why = "a redirect loop" if target in seen else f"more than {limit} redirects"
                raise DiscoveryError(
                    Reason.TOO_MANY_REDIRECTS,
                    f"fetching {safe_url(first)} ran into {why}; Cognito serves discovery without "
                    "redirects, check spec.authority and any proxy in between",
                    url=safe_url(first),
                )
            try:
                allowed = allowed_url(target)
            except DiscoveryError as err:
                raise DiscoveryError(
                    Reason.URL_REFUSED,
                    f"{safe_url(first)} redirected to {safe_url(target)}, which is not a Cognito "
                    "well-known URL; the redirect was not followed",
                    url=safe_url(first),
                ) from err
            seen.add(allowed.url)

    async def _get_once(self, allowed: CognitoURL) -> dict[str, Any] | str:
        """One request: the parsed JSON object, or the Location of a redirect."""
        shown = safe_url(allowed.url)
        settings = self._settings
        try:
            async with self._client.stream(
                "GET",
                self.physical_url(allowed),
                headers={"Accept": "application/json", "Accept-Encoding": "identity"},
                auth=None,
                follow_redirects=False,
                timeout=httpx.Timeout(settings.http_timeout_seconds),
            ) as resp:
                status = resp.status_code
                if status in _REDIRECT_STATUSES:
                    location = resp.headers.get("location")
                    if location:
                        return str(location)
                if status != 200:
                    body = await self._read_capped(resp, _EXCERPT_BYTES, allowed.url, strict=False)
                    retryable = status >= 500 or status in _RETRYABLE_STATUSES
                    hint = (
                        "Cognito is failing, the operator will retry"
                        if retryable
                        else "check that the user pool exists in that region and spec.authority is right"
                    )
                    excerpt = _excerpt(body)
                    raise DiscoveryError(
                        Reason.HTTP_ERROR,
                        f"{shown} answered HTTP {status}"
                        + (f" ({excerpt})" if excerpt else "")
                        + f"; {hint}",
                        retryable=retryable,
                        url=shown,
                        status_code=status,
                    )
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > settings.max_response_bytes:
                    raise self._too_large(allowed.url)
                body = await self._read_capped(resp, settings.max_response_bytes, allowed.url, strict=True)
        except httpx.TimeoutException:
            raise DiscoveryError(
                Reason.TIMEOUT,
                f"fetching {shown} took longer than {settings.http_timeout_seconds:g}s; Cognito or the "
                "network is slow or unreachable, the operator will retry",
                retryable=True,
                url=shown,
            ) from None
        except httpx.TransportError as err:
            what = type(err).__name__
            if "CERTIFICATE_VERIFY_FAILED" in str(err):
                what = "TLS certificate verification failed: is a TLS-intercepting proxy in between?"
            raise DiscoveryError(
                Reason.UNREACHABLE,
                f"could not reach {shown} ({what}); check egress/DNS/proxy to "
                "cognito-idp.<region>.amazonaws.com, the operator will retry",
                retryable=True,
                url=shown,
            ) from None
        except httpx.HTTPError as err:  # e.g. a body that fails to decode
            raise DiscoveryError(
                Reason.UNREACHABLE,
                f"fetching {shown} failed ({type(err).__name__}); the operator will retry",
                retryable=True,
                url=shown,
            ) from None
        return _parse_json_object(body, shown)

    async def _read_capped(self, resp: httpx.Response, cap: int, url: str, *, strict: bool) -> bytes:
        """Read at most `cap` bytes; with `strict`, more than that is an error, else it is truncated."""
        buf = bytearray()
        async for chunk in resp.aiter_bytes():
            buf += chunk
            if len(buf) > cap:
                if strict:
                    raise self._too_large(url)
                return bytes(buf[:cap])
        return bytes(buf)

    def _too_large(self, url: str) -> DiscoveryError:
        return DiscoveryError(
            Reason.TOO_LARGE,
            f"{safe_url(url)} returned more than {self._settings.max_response_bytes} bytes; a Cognito "
            "discovery document or JWKS is a few kilobytes, check spec.authority and any proxy in between",
            url=safe_url(url),
        )


def _parse_json_object(body: bytes, shown: str) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        excerpt = _excerpt(body)
        raise DiscoveryError(
            Reason.INVALID_JSON,
            f"{shown} did not return JSON" + (f" (starts with: {excerpt})" if excerpt else " (empty body)")
            + "; check spec.authority and any proxy in between",
            url=shown,
        ) from None
    if not isinstance(doc, dict):
        raise DiscoveryError(
            Reason.INVALID_JSON,
            f"{shown} returned JSON that is not an object ({type(doc).__name__}); check spec.authority",
            url=shown,
        )
    return doc


# --------------------------------------------------------------------------------------------------
# the parsed document
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """What the operator needs from a pool's discovery document and JWKS.

    Endpoints are None when absent (a pool without a domain has no OAuth endpoints). A
    ``*_supported`` tuple is None when the document does not list it at all (which differs from an
    empty list). `jwks_keys` holds public JWK members only. `fetched_at` is on the cache's clock
    (`time.monotonic` by default).
    """

    issuer: str
    jwks_uri: str
    authorization_endpoint: str | None
    token_endpoint: str | None
    userinfo_endpoint: str | None
    token_endpoint_auth_methods_supported: tuple[str, ...] | None
    response_types_supported: tuple[str, ...] | None
    id_token_signing_alg_values_supported: tuple[str, ...] | None
    jwks_keys: tuple[dict[str, Any], ...]
    fetched_at: float


def _opt_str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) and value else None


def _opt_strs(doc: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    value = doc.get(key)
    if not isinstance(value, list):
        return None
    return tuple(v for v in value if isinstance(v, str))


def _public_jwks(jwks: Mapping[str, Any], shown: str) -> tuple[dict[str, Any], ...]:
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise DiscoveryError(
            Reason.INVALID_JSON,
            f"{shown} is not a JWK Set (no 'keys' list); check the pool's jwks_uri",
            url=shown,
        )
    return tuple(
        {k: v for k, v in key.items() if k not in _PRIVATE_JWK_MEMBERS}
        for key in keys
        if isinstance(key, dict)
    )


def parse_discovery(
    doc: Mapping[str, Any], jwks: Mapping[str, Any], *, url: str, fetched_at: float
) -> Discovery:
    """Build a `Discovery` from the two documents (pure). `url` is the discovery URL, for messages."""
    shown = safe_url(url)
    missing = [k for k in ("issuer", "jwks_uri") if not _opt_str(doc, k)]
    if missing:
        raise DiscoveryError(
            Reason.INVALID_JSON,
            f"{shown} is not an OpenID discovery document (no {', '.join(missing)}); check spec.authority",
            url=shown,
        )
    return Discovery(
        issuer=str(doc["issuer"]),
        jwks_uri=str(doc["jwks_uri"]),
        authorization_endpoint=_opt_str(doc, "authorization_endpoint"),
        token_endpoint=_opt_str(doc, "token_endpoint"),
        userinfo_endpoint=_opt_str(doc, "userinfo_endpoint"),
        token_endpoint_auth_methods_supported=_opt_strs(doc, "token_endpoint_auth_methods_supported"),
        response_types_supported=_opt_strs(doc, "response_types_supported"),
        id_token_signing_alg_values_supported=_opt_strs(doc, "id_token_signing_alg_values_supported"),
        jwks_keys=_public_jwks(jwks, safe_url(str(doc["jwks_uri"]))),
        fetched_at=fetched_at,
    )


async def fetch_discovery(http: CognitoHttp, authority: str, *, clock: Callable[[], float]) -> Discovery:
    """One fetch round: the discovery document, then its ``jwks_uri`` (which must be this pool's JWKS)."""
    url = discovery_url_for(authority)
    doc = await http.get_json(url)
    jwks_uri = doc.get("jwks_uri")
    if isinstance(jwks_uri, str) and jwks_uri:
        try:
            target = allowed_url(jwks_uri)
        except DiscoveryError:
            target = None
        if target is None or target.document != JWKS_JSON or target.authority != authority:
            raise DiscoveryError(
                Reason.URL_REFUSED,
                f"{safe_url(url)} advertises jwks_uri {safe_url(jwks_uri)}, which is not "
                f"{authority}{_WELL_KNOWN}{JWKS_JSON}; the operator only fetches the pool's own JWKS",
                url=safe_url(url),
            )
        jwks = await http.get_json(jwks_uri)
    else:
        jwks = {"keys": []}  # parse_discovery reports the missing jwks_uri
    return parse_discovery(doc, jwks, url=url, fetched_at=clock())


# --------------------------------------------------------------------------------------------------
# cache
# --------------------------------------------------------------------------------------------------


@dataclass
class _Failure:
    error: DiscoveryError
    at: float


class DiscoveryCache:
    """Per-authority discovery cache: TTL, LRU bound, single flight.

    * An entry is served while younger than `settings.discovery_ttl_seconds`; at most
      `settings.discovery_cache_size` entries are kept (least recently used evicted first).
    * Concurrent `get` calls for one authority share one in-flight fetch (1,000 objects on one pool
      cause one fetch). The fetch runs as its own task, so a cancelled caller does not cancel it for
      the others.
    * Failures are not cached: the next `get` after a failed fetch fetches again. Callers use
      `DiscoveryError.retryable` for their own backoff. Optionally, `error_holddown_seconds` > 0
      re-raises a failure to callers arriving within that window instead of fetching again, which
      bounds the load on a failing Cognito to one fetch per window per pool.
    * Expired entries are never served. If the refresh of an expired entry fails, `get` raises that
      error rather than silently returning stale discovery: the caller keeps its last good *rendered*
      configuration and reports the failure in its status, so nothing is validated against a document
      that Cognito no longer serves.

    `fetches` counts real HTTP fetch rounds (discovery + JWKS), `hits` counts gets served from the
    cache, `coalesced` counts gets that joined an in-flight fetch. `on_fetch(duration_s, ok)` is
    called after every fetch round (exceptions in it are logged and ignored).
    """

    def __init__(
        self,
        http: CognitoHttp,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_fetch: Callable[[float, bool], None] | None = None,
        error_holddown_seconds: float = 0.0,
    ) -> None:
        self._http = http
        self._settings = settings or http.settings
        self._clock = clock
        self._on_fetch = on_fetch
        self._holddown = error_holddown_seconds
        self._entries: OrderedDict[str, Discovery] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[Discovery]] = {}
        self._failures: dict[str, _Failure] = {}
        self.fetches = 0
        self.hits = 0
        self.coalesced = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, authority: object) -> bool:
        return authority in self._entries

    def invalidate(self, authority: str) -> None:
        """Forget an authority: the next `get` fetches again (an in-flight fetch is not reused)."""
        self._entries.pop(authority, None)
        self._inflight.pop(authority, None)
        self._failures.pop(authority, None)

    def clear(self) -> None:
        self._entries.clear()
        self._inflight.clear()
        self._failures.clear()

    async def get(self, authority: str) -> Discovery:
        """The pool's discovery and JWKS, from the cache or fetched; raises `DiscoveryError`."""
        discovery_url_for(authority)  # refuse junk before touching the cache or the network
        now = self._clock()
        entry = self._entries.get(authority)
        if entry is not None:
            if now - entry.fetched_at < self._settings.discovery_ttl_seconds:
                self._entries.move_to_end(authority)
                self.hits += 1
                return entry
            del self._entries[authority]  # expired: never served
        failure = self._failures.get(authority)
        if failure is not None:
            if now - failure.at < self._holddown:
                raise failure.error
            del self._failures[authority]
        task = self._inflight.get(authority)
        if task is None:
            task = asyncio.create_task(self._fetch(authority), name=f"discovery {authority}")
            self._inflight[authority] = task
            task.add_done_callback(lambda t: self._done(authority, t))
        else:
            self.coalesced += 1
        return await asyncio.shield(task)

    async def _fetch(self, authority: str) -> Discovery:
        self.fetches += 1
        start = time.perf_counter()
        ok = False
        try:
            disc = await fetch_discovery(self._http, authority, clock=self._clock)
            ok = True
            return disc
        finally:
            if self._on_fetch is not None:
                try:
                    self._on_fetch(time.perf_counter() - start, ok)
                except Exception:
                    log.exception("discovery on_fetch hook failed")

    def _done(self, authority: str, task: asyncio.Task[Discovery]) -> None:
        if self._inflight.get(authority) is not task:
            # invalidated while in flight: the result is handed to its waiters but not cached
            if not task.cancelled():
                task.exception()  # mark retrieved
            return
        del self._inflight[authority]
        if task.cancelled():
            return
        err = task.exception()
        if err is None:
            self._entries[authority] = task.result()
            self._entries.move_to_end(authority)
            while len(self._entries) > max(self._settings.discovery_cache_size, 0):
                self._entries.popitem(last=False)
        elif isinstance(err, DiscoveryError) and self._holddown > 0:
            self._failures[authority] = _Failure(err, self._clock())


# --------------------------------------------------------------------------------------------------
# pure checks
# --------------------------------------------------------------------------------------------------


def _usable_rsa_key(key: Mapping[str, Any], algorithm: str) -> bool:
    if key.get("kty") != "RSA":
        return False
    if key.get("use", "sig") != "sig":
        return False
    if key.get("alg", algorithm) != algorithm:
        return False
    ops = key.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return False
    n, e = key.get("n"), key.get("e")
    if not (isinstance(n, str) and n and isinstance(e, str) and e):
        return False
    try:
        RSAAlgorithm.from_jwk(dict(key))
    except Exception:
        return False
    return True


def usable_jwks_keys(keys: tuple[Mapping[str, Any], ...], algorithm: str) -> list[Mapping[str, Any]]:
    """The keys that can verify signatures made with `algorithm` (RS256/RS384/RS512 use RSA keys)."""
    if algorithm not in _RSA_ALGORITHMS:
        return []
    return [k for k in keys if _usable_rsa_key(k, algorithm)]


def check_discovery(
    disc: Discovery,
    *,
    authority: str,
    token_validation_algorithm: str,
    client_authentication_method: str | None,
    response_type: str,
) -> list[DiscoveryError]:
    """Every problem OpenMetadata's Cognito validator would hit with this discovery (pure, no I/O).

    Returns an empty list when the configuration fits. All errors are non-retryable: they need a
    change to the pool, the app client or the CognitoSSO spec.
    """
    url = f"{authority}{_WELL_KNOWN}{OPENID_CONFIGURATION}"
    shown = safe_url(url)
    problems: list[DiscoveryError] = []

    if disc.issuer != authority:
        problems.append(DiscoveryError(
            Reason.ISSUER_MISMATCH,
            f"{shown} declares issuer {safe_url(disc.issuer)}, which is not spec.authority "
            f"{safe_url(authority)}; tokens would be rejected. Set spec.authority to the pool's issuer "
            "exactly (https://cognito-idp.<region>.amazonaws.com/<userPoolId>, no trailing slash)",
            url=shown,
        ))

    algorithm = str(token_validation_algorithm)
    if not usable_jwks_keys(disc.jwks_keys, algorithm):
        problems.append(DiscoveryError(
            Reason.JWKS_NO_USABLE_KEY,
            f"the JWKS at {safe_url(disc.jwks_uri)} has no key usable with {algorithm} "
            f"({len(disc.jwks_keys)} key(s), none an RSA signing key for that algorithm); Cognito signs "
            "tokens with RS256: set spec.tokenValidationAlgorithm to RS256 and check spec.authority",
            url=safe_url(disc.jwks_uri),
        ))

    missing = [
        name
        for name, value in (
            ("authorization_endpoint", disc.authorization_endpoint),
            ("token_endpoint", disc.token_endpoint),
            ("userinfo_endpoint", disc.userinfo_endpoint),
        )
        if not value
    ]
    if missing:
        problems.append(DiscoveryError(
            Reason.POOL_HAS_NO_DOMAIN,
            "the user pool has no domain: add a Cognito domain (hosted UI: a prefix domain or a custom "
            "domain) to the pool, then the operator picks it up on its next discovery refresh "
            f"({shown} lists no {', '.join(missing)})",
            url=shown,
        ))

    methods = disc.token_endpoint_auth_methods_supported
    method = str(client_authentication_method) if client_authentication_method else None
    if method and methods is not None and method not in methods:
        problems.append(DiscoveryError(
            Reason.AUTH_METHOD_NOT_SUPPORTED,
            f"spec.oidc.clientAuthenticationMethod {method!r} is not in "
            f"token_endpoint_auth_methods_supported {_printable(str(list(methods)), 200)} of {shown}; "
            "choose one of those",
            url=shown,
        ))

    types = disc.response_types_supported
    if types is not None and str(response_type) not in types:
        problems.append(DiscoveryError(
            Reason.RESPONSE_TYPE_NOT_SUPPORTED,
            f"spec.oidc.responseType {str(response_type)!r} is not in response_types_supported "
            f"{_printable(str(list(types)), 200)} "
            f"of {shown}; use code",
            url=shown,
        ))
    return problems
