"""Unit tests of cognito_sso_operator.discovery: respx fakes the transport, check_discovery is pure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cognito_sso_operator.discovery import (
    CognitoHttp,
    Discovery,
    DiscoveryCache,
    DiscoveryError,
    Reason,
    allowed_url,
    check_discovery,
    discovery_url_for,
)
from cognito_sso_operator.settings import Settings

REGION = "us-east-1"
POOL = "us-east-1_AbC123"
AUTH = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
DISC_URL = f"{AUTH}/.well-known/openid-configuration"
JWKS_URL = f"{AUTH}/.well-known/jwks.json"
DOMAIN = "https://myapp.auth.us-east-1.amazoncognito.com"


def _rsa_jwk(**extra: Any) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    jwk.update(extra)
    return jwk


RSA_JWK = _rsa_jwk()


def auth_for(pool: str) -> str:
    return f"https://cognito-idp.{REGION}.amazonaws.com/{pool}"


def disc_doc(authority: str = AUTH, **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": authority,
        "jwks_uri": f"{authority}/.well-known/jwks.json",
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": f"{DOMAIN}/oauth2/token",
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["code", "token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
    }
    doc.update(over)
    return {k: v for k, v in doc.items() if v is not None}


def mk_settings(**kw: Any) -> Settings:
    base: dict[str, Any] = {
        "http_timeout_seconds": 1.0,
        "max_response_bytes": 4096,
        "max_redirects": 3,
        "discovery_ttl_seconds": 60.0,
        "discovery_cache_size": 8,
    }
    base.update(kw)
    return Settings(**base)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingStream(httpx.AsyncByteStream):
    """A long streamed body that counts how many chunks the client actually pulled."""

    def __init__(self, chunks: int, size: int = 1024, delay: float = 0.0) -> None:
        self.chunks, self.size, self.delay, self.pulled = chunks, size, delay, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            if self.delay:
                await asyncio.sleep(self.delay)
            self.pulled += 1
            yield b" " * self.size


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as r:
        yield r


def serve_pool(
    router: respx.MockRouter, authority: str = AUTH, **over: Any
) -> tuple[respx.Route, respx.Route]:
    doc = disc_doc(authority, **over)
    d = router.get(f"{authority}/.well-known/openid-configuration").respond(200, json=doc)
    j = router.get(f"{authority}/.well-known/jwks.json").respond(200, json={"keys": [RSA_JWK]})
    return d, j


async def reason_of(coro: Any) -> DiscoveryError:
    with pytest.raises(DiscoveryError) as info:
        await coro
    return info.value


# ------------------------------------------------------------------------------------------------
# allow-list: refused before any I/O
# ------------------------------------------------------------------------------------------------

HOST = f"cognito-idp.{REGION}.amazonaws.com"
REFUSED_URLS = [
    pytest.param(f"http://{HOST}/{POOL}/.well-known/openid-configuration", id="http"),
    pytest.param(f"https://cognito-idp.{REGION}.amazonaws.com@evil.example/{POOL}/.well-known/jwks.json",
                 id="userinfo-host-trick"),
    pytest.param(f"https://user:s3cret@cognito-idp.{REGION}.amazonaws.com/{POOL}/.well-known/jwks.json",
                 id="userinfo"),
    pytest.param(f"https://{HOST}:443/{POOL}/.well-known/jwks.json", id="port-443"),
    pytest.param(f"https://cognito-idp.{REGION}.amazonaws.com:8443/{POOL}/.well-known/jwks.json", id="port"),
    pytest.param(f"https://cognito-idp.{REGION}.amazonaws.com.evil.example/{POOL}/.well-known/jwks.json",
                 id="suffix-host"),
    pytest.param(f"https://evil.example/{POOL}/.well-known/jwks.json", id="other-host"),
    pytest.param("https://169.254.169.254/latest/meta-data/", id="metadata-ip"),
    pytest.param("file:///etc/passwd", id="file"),
    pytest.param(f"{AUTH}/.well-known/other", id="other-doc"),
    pytest.param(f"{AUTH}/oauth2/token", id="other-path"),
    pytest.param(f"{AUTH}/.well-known/openid-configuration/", id="trailing-slash"),
    pytest.param(f"{AUTH}/.well-known/jwks.json?token=abc", id="query"),
    pytest.param(f"{AUTH}/.well-known/jwks.json#frag", id="fragment"),
    pytest.param(f"{AUTH}/.well-known/jwks.json\n", id="newline"),
    pytest.param(f"{AUTH}/.well-known/../.well-known/jwks.json", id="dot-segments"),
    pytest.param(f"{AUTH}/.well-known/%6Awks.json", id="percent-encoded"),
    pytest.param(f"https://cognito-idp.{REGION}.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json",
                 id="region-mismatch"),
    pytest.param(f"HTTPS://{HOST.upper()}/{POOL}/.well-known/jwks.json", id="upper"),
    pytest.param(f"https://cognito-idp.{REGION}.amazonaws.com\\@evil.example/{POOL}/.well-known/jwks.json",
                 id="backslash"),
    pytest.param(f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}/.well-known/jwks.json" + "/x" * 2000,
                 id="very-long"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_refused_urls_make_no_request(
    url: str, router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    catch_all = router.route().respond(200, json={"issuer": AUTH})
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(url))
    assert err.reason == Reason.URL_REFUSED
    assert err.retryable is False
    assert catch_all.call_count == 0
    assert router.calls.call_count == 0
    assert "s3cret" not in err.message
    assert "token=abc" not in err.message
    assert "\n" not in err.message


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_refused_urls_stay_refused_with_endpoint_override(
    url: str, router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    catch_all = router.route().respond(200, json={"issuer": AUTH})
    http = CognitoHttp(client, mk_settings(cognito_endpoint_url="http://127.0.0.1:4566"))
    err = await reason_of(http.get_json(url))
    assert err.reason == Reason.URL_REFUSED
    assert catch_all.call_count == 0


def test_allowed_urls() -> None:
    assert allowed_url(DISC_URL).pool_id == POOL
    assert allowed_url(JWKS_URL).document == "jwks.json"
    assert allowed_url(JWKS_URL).authority == AUTH
    assert discovery_url_for(AUTH) == DISC_URL


@pytest.mark.parametrize(
    "authority",
    [
        AUTH + "/",
        AUTH + "\n",
        f"https://cognito-idp.{REGION}.amazonaws.com/eu-west-1_AbC123",
        f"https://evil.example/{POOL}",
        f"http://cognito-idp.{REGION}.amazonaws.com/{POOL}",
        f"{AUTH}/.well-known/openid-configuration",
    ],
)
async def test_cache_refuses_bad_authority_without_io(
    authority: str, router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    catch_all = router.route().respond(200, json=disc_doc())
    cache = DiscoveryCache(CognitoHttp(client, mk_settings()))
    err = await reason_of(cache.get(authority))
    assert err.reason == Reason.URL_REFUSED
    assert catch_all.call_count == 0
    assert cache.fetches == 0


# ------------------------------------------------------------------------------------------------
# HTTP faults
# ------------------------------------------------------------------------------------------------


async def test_http_500_is_retryable_with_status(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    body = "Internal\x00\x1b[31mError " + "A" * 5000
    router.get(DISC_URL).respond(500, text=body)
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert err.reason == Reason.HTTP_ERROR
    assert err.retryable is True
    assert err.status_code == 500
    assert "500" in err.message
    assert DISC_URL in err.message
    assert "A" * 200 not in err.message  # only a short excerpt
    assert "\x00" not in err.message
    assert "\x1b" not in err.message


async def test_http_404_is_not_retryable(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).respond(404, json={"message": "User pool does not exist"})
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert err.reason == Reason.HTTP_ERROR
    assert err.status_code == 404
    assert err.retryable is False


async def test_429_is_retryable(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).respond(429)
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert (err.reason, err.retryable) == (Reason.HTTP_ERROR, True)


async def test_transport_timeout(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert (err.reason, err.retryable) == (Reason.TIMEOUT, True)


async def test_connect_error_is_unreachable(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).mock(side_effect=httpx.ConnectError("no route"))
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert (err.reason, err.retryable) == (Reason.UNREACHABLE, True)
    assert DISC_URL in err.message


async def test_slow_drip_body_hits_the_whole_request_deadline(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    # every chunk arrives well within any per-read timeout, but the whole body takes ~10 s
    stream = CountingStream(chunks=100, size=8, delay=0.1)
    router.get(DISC_URL).mock(return_value=httpx.Response(200, stream=stream))
    started = time.monotonic()
    err = await reason_of(CognitoHttp(client, mk_settings(http_timeout_seconds=0.3)).get_json(DISC_URL))
    assert (err.reason, err.retryable) == (Reason.TIMEOUT, True)
    assert time.monotonic() - started < 2.0


async def test_slow_response_headers_hit_the_deadline(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=disc_doc())

    router.get(DISC_URL).mock(side_effect=slow)
    started = time.monotonic()
    err = await reason_of(CognitoHttp(client, mk_settings(http_timeout_seconds=0.2)).get_json(DISC_URL))
    assert err.reason == Reason.TIMEOUT
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "body",
    [b"<html>not json</html>", b"", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'"issuer"', b"null", b"[" * 4000],
    ids=["html", "empty", "binary", "array", "string", "null", "deeply-nested"],
)
async def test_invalid_json(body: bytes, router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).respond(200, content=body)
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert err.reason == Reason.INVALID_JSON
    assert err.retryable is False
    assert "\x00" not in err.message


async def test_oversized_streamed_body_is_cut_short(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    stream = CountingStream(chunks=1000, size=1024)  # 1 MiB, no Content-Length
    router.get(DISC_URL).mock(return_value=httpx.Response(200, stream=stream))
    err = await reason_of(CognitoHttp(client, mk_settings(max_response_bytes=4096)).get_json(DISC_URL))
    assert err.reason == Reason.TOO_LARGE
    assert "4096" in err.message
    assert stream.pulled < 20  # stopped reading near the cap, did not buffer the megabyte


async def test_oversized_declared_length(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    stream = CountingStream(chunks=1000, size=1024)
    router.get(DISC_URL).mock(
        return_value=httpx.Response(200, headers={"Content-Length": str(1000 * 1024)}, stream=stream)
    )
    err = await reason_of(CognitoHttp(client, mk_settings(max_response_bytes=4096)).get_json(DISC_URL))
    assert err.reason == Reason.TOO_LARGE
    assert stream.pulled < 20


async def test_body_exactly_at_cap_is_accepted(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    doc = disc_doc()
    raw = httpx.Response(200, json=doc).content
    router.get(DISC_URL).respond(200, content=raw)
    got = await CognitoHttp(client, mk_settings(max_response_bytes=len(raw))).get_json(DISC_URL)
    assert got == doc


# ------------------------------------------------------------------------------------------------
# redirects
# ------------------------------------------------------------------------------------------------


async def test_redirect_loop(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    route = router.get(DISC_URL).respond(302, headers={"Location": DISC_URL})
    err = await reason_of(CognitoHttp(client, mk_settings(max_redirects=5)).get_json(DISC_URL))
    assert err.reason == Reason.TOO_MANY_REDIRECTS
    assert route.call_count <= 6


async def test_redirect_ping_pong_loop(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    other = f"{auth_for('us-east-1_Other')}/.well-known/openid-configuration"
    a = router.get(DISC_URL).respond(307, headers={"Location": other})
    b = router.get(other).respond(307, headers={"Location": DISC_URL})
    err = await reason_of(CognitoHttp(client, mk_settings(max_redirects=50)).get_json(DISC_URL))
    assert err.reason == Reason.TOO_MANY_REDIRECTS
    assert a.call_count + b.call_count <= 3


async def test_too_many_redirects(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    urls = [f"{auth_for(f'us-east-1_P{i}')}/.well-known/openid-configuration" for i in range(10)]
    routes = [router.get(u).respond(301, headers={"Location": urls[i + 1]}) for i, u in enumerate(urls[:-1])]
    err = await reason_of(CognitoHttp(client, mk_settings(max_redirects=3)).get_json(urls[0]))
    assert err.reason == Reason.TOO_MANY_REDIRECTS
    assert sum(r.call_count for r in routes) == 4  # the first request and 3 redirects


async def test_redirect_within_allow_list_is_followed(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    other = auth_for("us-east-1_Moved")
    relative = "/us-east-1_Moved/.well-known/openid-configuration"
    router.get(DISC_URL).respond(301, headers={"Location": relative})
    router.get(f"{other}/.well-known/openid-configuration").respond(200, json=disc_doc(other))
    got = await CognitoHttp(client, mk_settings(max_redirects=1)).get_json(DISC_URL)
    assert got["issuer"] == other


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/us-east-1_AbC123/.well-known/openid-configuration",
        "//evil.example/us-east-1_AbC123/.well-known/openid-configuration",
        f"http://cognito-idp.{REGION}.amazonaws.com/{POOL}/.well-known/openid-configuration",
        f"https://cognito-idp.{REGION}.amazonaws.com@evil.example/{POOL}/.well-known/openid-configuration",
        "http://127.0.0.1:4566/us-east-1_AbC123/.well-known/openid-configuration",
        "/latest/meta-data/",
    ],
)
async def test_redirect_off_the_allow_list_is_refused(
    location: str, router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    first = router.get(DISC_URL).respond(302, headers={"Location": location})
    elsewhere = router.route().respond(200, json=disc_doc())
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert err.reason == Reason.URL_REFUSED
    assert first.call_count == 1
    assert elsewhere.call_count == 0


async def test_redirect_without_location_is_http_error(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.get(DISC_URL).respond(302)
    err = await reason_of(CognitoHttp(client, mk_settings()).get_json(DISC_URL))
    assert (err.reason, err.status_code) == (Reason.HTTP_ERROR, 302)


# ------------------------------------------------------------------------------------------------
# endpoint override (the only test hook)
# ------------------------------------------------------------------------------------------------


async def test_endpoint_override_maps_the_origin(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    base = "http://127.0.0.1:4566/prefix"
    mapped = router.get(f"{base}/{POOL}/.well-known/openid-configuration").respond(200, json=disc_doc())
    mapped_jwks = router.get(f"{base}/{POOL}/.well-known/jwks.json").respond(200, json={"keys": [RSA_JWK]})
    real = router.route(host=f"cognito-idp.{REGION}.amazonaws.com").respond(500)
    cache = DiscoveryCache(CognitoHttp(client, mk_settings(cognito_endpoint_url=base + "/")))
    disc = await cache.get(AUTH)
    assert disc.issuer == AUTH
    assert disc.jwks_uri == JWKS_URL
    assert (mapped.call_count, mapped_jwks.call_count, real.call_count) == (1, 1, 0)


async def test_endpoint_override_redirects_are_mapped_too(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    base = "http://127.0.0.1:4566"
    other = auth_for("us-east-1_Moved")
    router.get(f"{base}/{POOL}/.well-known/openid-configuration").respond(
        302, headers={"Location": f"{other}/.well-known/openid-configuration"}
    )
    moved = router.get(f"{base}/us-east-1_Moved/.well-known/openid-configuration").respond(
        200, json=disc_doc(other)
    )
    got = await CognitoHttp(client, mk_settings(cognito_endpoint_url=base)).get_json(DISC_URL)
    assert got["issuer"] == other
    assert moved.call_count == 1


def test_endpoint_override_must_be_a_base_url(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="cognito_endpoint_url"):
        CognitoHttp(client, mk_settings(cognito_endpoint_url="ftp://x"))


# ------------------------------------------------------------------------------------------------
# DiscoveryCache
# ------------------------------------------------------------------------------------------------


async def test_get_fetches_discovery_then_jwks(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    d, j = serve_pool(router)
    disc = await DiscoveryCache(CognitoHttp(client, mk_settings())).get(AUTH)
    assert isinstance(disc, Discovery)
    assert disc.issuer == AUTH
    assert disc.token_endpoint == f"{DOMAIN}/oauth2/token"
    assert disc.token_endpoint_auth_methods_supported == ("client_secret_basic", "client_secret_post")
    assert disc.response_types_supported == ("code", "token")
    assert disc.id_token_signing_alg_values_supported == ("RS256",)
    assert disc.jwks_keys == (RSA_JWK,)
    assert (d.call_count, j.call_count) == (1, 1)


async def test_private_jwk_members_are_dropped(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).respond(200, json=disc_doc())
    leaked = dict(RSA_JWK, d="PRIVATE", p="P", q="Q", dp="DP", dq="DQ", qi="QI")
    router.get(JWKS_URL).respond(200, json={"keys": [leaked, "junk", 3]})
    disc = await DiscoveryCache(CognitoHttp(client, mk_settings())).get(AUTH)
    assert disc.jwks_keys == (RSA_JWK,)


@pytest.mark.parametrize(
    "jwks_uri",
    [
        "https://evil.example/keys",
        f"{auth_for('us-east-1_Other')}/.well-known/jwks.json",
        DISC_URL,
        "http://127.0.0.1:4566/us-east-1_AbC123/.well-known/jwks.json",  # what raw moto advertises
    ],
)
async def test_jwks_uri_must_be_the_pools_own(
    jwks_uri: str, router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    # through the endpoint override, as against raw moto: the hook maps origins, it allows nothing more
    doc = router.get(f"http://127.0.0.1:4566/{POOL}/.well-known/openid-configuration").respond(
        200, json=disc_doc(jwks_uri=jwks_uri)
    )
    other = router.route().respond(200, json={"keys": [RSA_JWK]})
    http = CognitoHttp(client, mk_settings(cognito_endpoint_url="http://127.0.0.1:4566"))
    err = await reason_of(DiscoveryCache(http).get(AUTH))
    assert err.reason == Reason.URL_REFUSED
    assert doc.call_count == 1
    assert other.call_count == 0


@pytest.mark.parametrize(
    ("doc", "jwks"),
    [
        ({"jwks_uri": JWKS_URL}, {"keys": []}),
        ({"issuer": AUTH}, {"keys": []}),
        (disc_doc(), {"no": "keys"}),
        (disc_doc(), {"keys": "x"}),
    ],
    ids=["no-issuer", "no-jwks-uri", "jwks-without-keys", "jwks-keys-not-list"],
)
async def test_incomplete_documents(
    doc: dict[str, Any], jwks: dict[str, Any], router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.get(DISC_URL).respond(200, json=doc)
    router.get(JWKS_URL).respond(200, json=jwks)
    err = await reason_of(DiscoveryCache(CognitoHttp(client, mk_settings())).get(AUTH))
    assert err.reason == Reason.INVALID_JSON


async def test_ttl_expiry(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    d, _ = serve_pool(router)
    clock = FakeClock()
    cache = DiscoveryCache(CognitoHttp(client, mk_settings(discovery_ttl_seconds=60)), clock=clock)
    first = await cache.get(AUTH)
    assert first.fetched_at == clock.now
    clock.now += 59.9
    assert await cache.get(AUTH) is first
    assert (cache.fetches, cache.hits, d.call_count) == (1, 1, 1)
    clock.now += 0.2
    second = await cache.get(AUTH)
    assert second is not first
    assert second.fetched_at == clock.now
    assert (cache.fetches, d.call_count) == (2, 2)


async def test_failed_refresh_of_expired_entry_raises_not_stale(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.get(DISC_URL).mock(
        side_effect=[httpx.Response(200, json=disc_doc()), httpx.Response(503), httpx.Response(503)]
    )
    router.get(JWKS_URL).respond(200, json={"keys": [RSA_JWK]})
    clock = FakeClock()
    cache = DiscoveryCache(CognitoHttp(client, mk_settings(discovery_ttl_seconds=10)), clock=clock)
    await cache.get(AUTH)
    clock.now += 11
    for _ in range(2):
        err = await reason_of(cache.get(AUTH))
        assert (err.reason, err.retryable, err.status_code) == (Reason.HTTP_ERROR, True, 503)


async def test_lru_bound(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    pools = [auth_for(f"us-east-1_L{i}") for i in range(3)]
    routes = [serve_pool(router, p)[0] for p in pools]
    cache = DiscoveryCache(CognitoHttp(client, mk_settings(discovery_cache_size=2)))
    a, b, c = pools
    await cache.get(a)
    await cache.get(b)
    await cache.get(a)  # a is now most recently used, b least
    await cache.get(c)  # evicts b
    assert len(cache) == 2
    assert a in cache
    assert b not in cache
    assert c in cache
    await cache.get(a)
    assert routes[0].call_count == 1
    await cache.get(b)
    assert routes[1].call_count == 2
    assert len(cache) == 2


async def test_single_flight(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    async def slow_doc(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, json=disc_doc())

    d = router.get(DISC_URL).mock(side_effect=slow_doc)
    j = router.get(JWKS_URL).respond(200, json={"keys": [RSA_JWK]})
    cache = DiscoveryCache(CognitoHttp(client, mk_settings()))
    results = await asyncio.gather(*(cache.get(AUTH) for _ in range(100)))
    assert cache.fetches == 1
    assert (d.call_count, j.call_count) == (1, 1)
    assert all(r is results[0] for r in results)


async def test_single_flight_shares_a_failure_and_does_not_cache_it(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    calls = 0

    async def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return httpx.Response(500) if calls == 1 else httpx.Response(200, json=disc_doc())

    router.get(DISC_URL).mock(side_effect=flaky)
    router.get(JWKS_URL).respond(200, json={"keys": [RSA_JWK]})
    cache = DiscoveryCache(CognitoHttp(client, mk_settings()))
    outcomes = await asyncio.gather(*(cache.get(AUTH) for _ in range(20)), return_exceptions=True)
    assert all(isinstance(o, DiscoveryError) and o.reason == Reason.HTTP_ERROR for o in outcomes)
    assert cache.fetches == 1
    assert len(cache) == 0
    disc = await cache.get(AUTH)  # failure was not cached: fetched again
    assert disc.issuer == AUTH
    assert cache.fetches == 2


async def test_error_holddown(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    route = router.get(DISC_URL).respond(500)
    clock = FakeClock()
    cache = DiscoveryCache(CognitoHttp(client, mk_settings()), clock=clock, error_holddown_seconds=5)
    for _ in range(3):
        err = await reason_of(cache.get(AUTH))
        assert err.reason == Reason.HTTP_ERROR
    assert route.call_count == 1
    clock.now += 5.1
    await reason_of(cache.get(AUTH))
    assert route.call_count == 2


async def test_invalidate(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    d, _ = serve_pool(router)
    cache = DiscoveryCache(CognitoHttp(client, mk_settings()))
    await cache.get(AUTH)
    await cache.get(AUTH)
    cache.invalidate(AUTH)
    await cache.get(AUTH)
    assert d.call_count == 2
    assert cache.fetches == 2


async def test_cancelled_caller_does_not_cancel_the_shared_fetch(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    async def slow_doc(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.1)
        return httpx.Response(200, json=disc_doc())

    router.get(DISC_URL).mock(side_effect=slow_doc)
    router.get(JWKS_URL).respond(200, json={"keys": [RSA_JWK]})
    cache = DiscoveryCache(CognitoHttp(client, mk_settings()))
    first = asyncio.create_task(cache.get(AUTH))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(cache.get(AUTH))
    await asyncio.sleep(0.01)
    first.cancel()
    disc = await second
    assert disc.issuer == AUTH
    assert cache.fetches == 1


async def test_on_fetch_hook(router: respx.MockRouter, client: httpx.AsyncClient) -> None:
    router.get(DISC_URL).mock(side_effect=[httpx.Response(200, json=disc_doc()), httpx.Response(502)])
    router.get(JWKS_URL).respond(200, json={"keys": [RSA_JWK]})
    seen: list[tuple[float, bool]] = []
    clock = FakeClock()
    cache = DiscoveryCache(
        CognitoHttp(client, mk_settings(discovery_ttl_seconds=1)),
        clock=clock,
        on_fetch=lambda d, ok: seen.append((d, ok)),
    )
    await cache.get(AUTH)
    await cache.get(AUTH)  # hit: no hook call
    clock.now += 2
    await reason_of(cache.get(AUTH))
    assert [ok for _, ok in seen] == [True, False]
    assert all(d >= 0 for d, _ in seen)


async def test_broken_on_fetch_hook_does_not_break_get(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    serve_pool(router)

    def boom(duration: float, ok: bool) -> None:
        raise RuntimeError("metrics down")

    disc = await DiscoveryCache(CognitoHttp(client, mk_settings()), on_fetch=boom).get(AUTH)
    assert disc.issuer == AUTH


# ------------------------------------------------------------------------------------------------
# check_discovery (pure)
# ------------------------------------------------------------------------------------------------


def make_disc(**over: Any) -> Discovery:
    fields: dict[str, Any] = {
        "issuer": AUTH,
        "jwks_uri": JWKS_URL,
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": f"{DOMAIN}/oauth2/token",
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
        "token_endpoint_auth_methods_supported": ("client_secret_basic", "client_secret_post"),
        "response_types_supported": ("code", "token"),
        "id_token_signing_alg_values_supported": ("RS256",),
        "jwks_keys": (RSA_JWK,),
        "fetched_at": 0.0,
    }
    fields.update(over)
    return Discovery(**fields)


def reasons(disc: Discovery, **kw: Any) -> list[str]:
    args: dict[str, Any] = {
        "authority": AUTH,
        "token_validation_algorithm": "RS256",
        "client_authentication_method": "client_secret_basic",
        "response_type": "code",
    }
    args.update(kw)
    problems = check_discovery(disc, **args)
    assert all(isinstance(p, DiscoveryError) and not p.retryable for p in problems)
    return [p.reason.value for p in problems]


def test_check_ok() -> None:
    assert reasons(make_disc()) == []


@pytest.mark.parametrize(
    "issuer",
    [AUTH + "/", auth_for("us-east-1_Other"), AUTH.upper(), "https://evil.example"],
)
def test_check_issuer_mismatch(issuer: str) -> None:
    assert reasons(make_disc(issuer=issuer)) == ["IssuerMismatch"]


def test_check_issuer_mismatch_message_names_both() -> None:
    [err] = check_discovery(
        make_disc(issuer=auth_for("us-east-1_Other")),
        authority=AUTH,
        token_validation_algorithm="RS256",
        client_authentication_method=None,
        response_type="code",
    )
    assert "us-east-1_Other" in err.message
    assert AUTH in err.message


def _ec_jwk() -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return jwk


@pytest.mark.parametrize(
    ("keys", "alg"),
    [
        ((), "RS256"),
        ((_ec_jwk(),), "RS256"),
        ((_rsa_jwk(use="enc"),), "RS256"),
        ((_rsa_jwk(alg="RS384"),), "RS256"),
        ((_rsa_jwk(key_ops=["encrypt"]),), "RS256"),
        ((dict(_rsa_jwk(), n="not-a-modulus!!"),), "RS256"),
        (({"kty": "RSA", "use": "sig"},), "RS256"),
        ((RSA_JWK,), "HS256"),
    ],
    ids=["empty", "ec-only", "enc-use", "other-alg", "key-ops", "bad-modulus", "no-n-e", "not-rsa-alg"],
)
def test_check_jwks_no_usable_key(keys: tuple[dict[str, Any], ...], alg: str) -> None:
    assert reasons(make_disc(jwks_keys=keys), token_validation_algorithm=alg) == ["JWKSNoUsableKey"]


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_check_rsa_key_without_alg_serves_every_rs_algorithm(alg: str) -> None:
    key = {k: v for k, v in RSA_JWK.items() if k not in ("alg", "use")}
    assert reasons(make_disc(jwks_keys=(key,)), token_validation_algorithm=alg) == []


def test_check_one_usable_key_is_enough() -> None:
    assert reasons(make_disc(jwks_keys=(_ec_jwk(), _rsa_jwk(use="enc"), RSA_JWK))) == []


@pytest.mark.parametrize("missing", ["token_endpoint", "userinfo_endpoint", "authorization_endpoint"])
def test_check_pool_without_domain(missing: str) -> None:
    disc = make_disc(**{missing: None})
    [err] = check_discovery(
        disc, authority=AUTH, token_validation_algorithm="RS256",
        client_authentication_method="client_secret_basic", response_type="code",
    )
    assert err.reason == Reason.POOL_HAS_NO_DOMAIN
    assert "the user pool has no domain: add a Cognito domain" in err.message
    assert missing in err.message


def test_check_auth_method() -> None:
    disc = make_disc(token_endpoint_auth_methods_supported=("client_secret_basic",))
    assert reasons(disc, client_authentication_method="client_secret_post") == ["AuthMethodNotSupported"]
    assert reasons(disc, client_authentication_method="client_secret_basic") == []
    assert reasons(disc, client_authentication_method=None) == []
    absent = make_disc(token_endpoint_auth_methods_supported=None)
    assert reasons(absent, client_authentication_method="client_secret_post") == []
    empty = make_disc(token_endpoint_auth_methods_supported=())
    assert reasons(empty, client_authentication_method="client_secret_basic") == ["AuthMethodNotSupported"]


def test_check_response_type() -> None:
    disc = make_disc(response_types_supported=("code",))
    assert reasons(disc, response_type="id_token") == ["ResponseTypeNotSupported"]
    assert reasons(disc, response_type="code") == []
    assert reasons(make_disc(response_types_supported=None), response_type="id_token") == []


def test_check_reports_every_problem() -> None:
    disc = make_disc(
        issuer=auth_for("us-east-1_Other"),
        jwks_keys=(),
        token_endpoint=None,
        userinfo_endpoint=None,
        token_endpoint_auth_methods_supported=("client_secret_post",),
        response_types_supported=("token",),
    )
    assert reasons(disc) == [
        "IssuerMismatch",
        "JWKSNoUsableKey",
        "PoolHasNoDomain",
        "AuthMethodNotSupported",
        "ResponseTypeNotSupported",
    ]


def test_check_accepts_spec_enums() -> None:
    from cognito_sso_operator.spec import ClientAuthenticationMethod, ResponseType, TokenValidationAlgorithm

    assert reasons(
        make_disc(),
        token_validation_algorithm=TokenValidationAlgorithm.RS256,
        client_authentication_method=ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
        response_type=ResponseType.CODE,
    ) == []
    assert reasons(
        make_disc(token_endpoint_auth_methods_supported=("client_secret_basic",)),
        client_authentication_method=ClientAuthenticationMethod.CLIENT_SECRET_POST,
    ) == ["AuthMethodNotSupported"]


def test_check_messages_are_sanitized() -> None:
    disc = make_disc(
        issuer="https://x.example/\x1b[2J\nEVIL",
        token_endpoint_auth_methods_supported=("a\nb",) * 200,
    )
    for err in check_discovery(
        disc, authority=AUTH, token_validation_algorithm="RS256",
        client_authentication_method="client_secret_basic", response_type="code",
    ):
        assert "\n" not in err.message
        assert "\x1b" not in err.message
        assert len(err.message) < 1000
