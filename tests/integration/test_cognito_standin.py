"""The Cognito stand-in answers like Cognito: discovery document in AWS shape, JWKS, verifiable ID tokens,
no OAuth endpoints for a pool without a domain, and secret rotation through AddUserPoolClientSecret."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from cognito_sso_operator.cognito_standin import CognitoStandIn, secret_hash


def _get_json(url: str) -> Any:
    resp = httpx.get(url, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_discovery_document_has_cognito_shape(cognito: CognitoStandIn) -> None:
    doc = _get_json(cognito.discovery_url)
    assert doc["issuer"] == cognito.authority
    assert cognito.authority == f"https://cognito-idp.{cognito.region}.amazonaws.com/{cognito.pool_id}"
    assert doc["jwks_uri"] == f"{cognito.authority}/.well-known/jwks.json"
    base = f"https://{cognito.domain}.auth.{cognito.region}.amazoncognito.com"
    assert doc["token_endpoint"] == f"{base}/oauth2/token"
    assert doc["authorization_endpoint"] == f"{base}/oauth2/authorize"
    assert doc["userinfo_endpoint"] == f"{base}/oauth2/userInfo"
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"]


def test_jwks_url_follows_from_endpoint_substitution(cognito: CognitoStandIn) -> None:
    """Replacing the AWS origin with the endpoint URL (what the operator does) reaches the JWKS."""
    doc = _get_json(cognito.discovery_url)
    aws_origin = f"https://cognito-idp.{cognito.region}.amazonaws.com"
    jwks = _get_json(doc["jwks_uri"].replace(aws_origin, cognito.endpoint_url, 1))
    rsa = [k for k in jwks["keys"] if k["kty"] == "RSA"]
    assert rsa
    assert all({"kid", "n", "e"} <= set(k) for k in rsa)


def test_id_token_verifies_against_jwks(cognito: CognitoStandIn) -> None:
    token = cognito.id_token()
    jwks = jwt.PyJWKSet.from_dict(_get_json(cognito.jwks_url))
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(
        token,
        key=jwks[kid],
        algorithms=["RS256"],
        audience=cognito.client_id,
        issuer=cognito.authority,
    )
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == cognito.username
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key=jwks[kid], algorithms=["RS256"], audience="someone-else")


def test_pool_without_domain_has_no_oauth_endpoints(cognito: CognitoStandIn) -> None:
    pool = cognito.new_pool(with_domain=False)
    assert pool.domain is None
    doc = _get_json(pool.discovery_url)
    assert doc["issuer"] == pool.authority
    for key in ("token_endpoint", "authorization_endpoint", "userinfo_endpoint"):
        assert key not in doc
    assert doc["jwks_uri"] == f"{pool.authority}/.well-known/jwks.json"


def test_unknown_pool_is_404(cognito: CognitoStandIn) -> None:
    for suffix in ("openid-configuration", "jwks.json"):
        resp = httpx.get(f"{cognito.endpoint_url}/{cognito.region}_DoesNotExist/.well-known/{suffix}")
        assert resp.status_code == 404
        assert "does not exist" in resp.json()["message"]


def test_client_as_configured_for_openmetadata(cognito: CognitoStandIn) -> None:
    desc = cognito.client().describe_user_pool_client(UserPoolId=cognito.pool_id, ClientId=cognito.client_id)
    app = desc["UserPoolClient"]
    assert app["ClientSecret"] == cognito.client_secret
    assert app["CallbackURLs"] == ["https://openmetadata.example.com/callback"]
    assert app["AllowedOAuthFlows"] == ["code"]
    assert set(app["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    pool = cognito.client().describe_user_pool(UserPoolId=cognito.pool_id)["UserPool"]
    assert pool["Domain"] == cognito.domain


def test_rotate_secret(cognito: CognitoStandIn) -> None:
    pool = cognito.new_pool()  # rotate a separate pool: the session's default pool stays as it is
    idp = pool.client()
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": pool.username,
            "PASSWORD": pool.password,
            "SECRET_HASH": secret_hash(pool.username, pool.client_id, pool.client_secret),
        },
    )["AuthenticationResult"]
    old = pool.client_secret
    new = pool.rotate_secret()
    assert new != old
    assert pool.client_secret == new
    app = idp.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=pool.client_id)
    assert app["UserPoolClient"]["ClientSecret"] == new

    def refresh(secret: str) -> Any:
        return idp.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={
                "REFRESH_TOKEN": tokens["RefreshToken"],
                "SECRET_HASH": secret_hash(pool.username, pool.client_id, secret),
            },
        )

    # moto checks SECRET_HASH on the refresh (and SRP) flows: the new secret works, the old one not.
    assert refresh(new)["AuthenticationResult"]["IdToken"]
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        refresh(old)
