"""validate_live / check_app_client / `validate --online` wired to the Cognito stand-in (moto over HTTP).

The discovery fault shapes (issuer mismatch, no JWKS keys, 5xx, timeouts, oversized, redirect loops) are
covered by tests/integration/test_discovery_live.py; these tests only prove the validator's wiring.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cognito_sso_operator.cognito_standin import CognitoPool, CognitoStandIn
from cognito_sso_operator.discovery import CognitoHttp, DiscoveryCache, create_http_client
from cognito_sso_operator.settings import Settings
from cognito_sso_operator.spec import CognitoSSOSpec
from cognito_sso_operator.validate import check_app_client, parse_spec, validate_files_command, validate_live
from tests.cases import base_manifest, merge_patch


def manifest_for(pool: CognitoPool, **spec_patch: Any) -> dict[str, Any]:
    patch: dict[str, Any] = {
        "metadata": {"name": "live"},
        "spec": {
            "authority": pool.authority,
            "publicKeyUrls": None,
            "oidc": {
                "clientId": pool.client_id,
                "discoveryUri": None,
                "tenant": None,
                "scopes": ["openid", "email", "profile"],
                "serverUrl": pool.callback_url.removesuffix("/callback"),
                "callbackUrl": pool.callback_url,
            },
        },
    }
    manifest: dict[str, Any] = merge_patch(merge_patch(base_manifest(), patch), {"spec": spec_patch})
    return manifest


def spec_for(pool: CognitoPool, **spec_patch: Any) -> CognitoSSOSpec:
    spec, problems = parse_spec(manifest_for(pool, **spec_patch)["spec"])
    assert spec is not None, problems
    return spec


@pytest.fixture
async def cache(cognito: CognitoStandIn) -> AsyncIterator[DiscoveryCache]:
    settings = Settings(cognito_endpoint_url=cognito.endpoint_url)
    async with create_http_client(settings) as client:
        yield DiscoveryCache(CognitoHttp(client, settings), settings)


async def test_live_ok(cognito: CognitoStandIn, cache: DiscoveryCache) -> None:
    disc, problems = await validate_live(spec_for(cognito), cache)
    assert problems == []
    assert disc is not None
    assert disc.issuer == cognito.authority
    assert disc.token_endpoint


async def test_live_pool_without_domain(cognito: CognitoStandIn, cache: DiscoveryCache) -> None:
    pool = cognito.new_pool(with_domain=False)
    disc, problems = await validate_live(spec_for(pool), cache)
    assert disc is not None
    assert [(p.field, p.reason) for p in problems] == [("spec.authority", "PoolHasNoDomain")]
    assert "the user pool has no domain" in problems[0].message


async def test_live_unknown_pool(cognito: CognitoStandIn, cache: DiscoveryCache) -> None:
    spec = spec_for(cognito, authority=f"https://cognito-idp.{cognito.region}.amazonaws.com/{cognito.region}_Nope")
    disc, problems = await validate_live(spec, cache)
    assert disc is None
    assert [(p.field, p.reason) for p in problems] == [("spec.authority", "DiscoveryHTTPError")]


def test_app_client_against_the_standin(cognito: CognitoStandIn) -> None:
    pool = cognito.new_pool()
    spec = spec_for(pool)
    assert check_app_client(spec, pool.client_secret, pool.client()) == []

    old = pool.client_secret
    new = pool.rotate_secret()
    problems = check_app_client(spec, old, pool.client())
    assert [p.reason for p in problems] == ["StaleClientSecret"]
    assert old not in problems[0].message
    assert new not in problems[0].message
    assert check_app_client(spec, new, pool.client()) == []

    wider = spec_for(pool, oidc={"scopes": ["openid", "email", "phone"], "callbackUrl": None})
    wider = wider.model_copy(update={"oidc": wider.oidc.model_copy(update={"server_url": "https://other.example.com"})})
    assert {p.reason for p in check_app_client(wider, new, pool.client())} == {
        "ScopeNotAllowed",
        "CallbackNotRegistered",
    }


def test_cli_online(
    cognito: CognitoStandIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COGNITO_SSO_COGNITO_ENDPOINT_URL", cognito.endpoint_url)
    monkeypatch.delenv("COGNITO_SSO_AWS_CHECK", raising=False)
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(manifest_for(cognito)), encoding="utf-8")
    assert validate_files_command([str(path)], online=True) == 0
    assert "online checks included" in capsys.readouterr().out

    # With the control-plane check on (boto3 reaches the stand-in through AWS_ENDPOINT_URL), a callback
    # URL the app client does not list is reported.
    monkeypatch.setenv("COGNITO_SSO_AWS_CHECK", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", cognito.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    other = manifest_for(cognito, oidc={"serverUrl": "https://om2.example.com", "callbackUrl": None})
    path.write_text(yaml.safe_dump(other), encoding="utf-8")
    assert validate_files_command([str(path)], online=True) == 1
    out = capsys.readouterr().out
    assert f"{path}:1 live: spec.oidc.callbackUrl: https://om2.example.com/callback is not an allowed callback" in out
    assert cognito.client_secret not in out
