"""render.py: env encoding, golden profile, hash, builders, redaction and the offline render CLI."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cognito_sso_operator import cli, render
from cognito_sso_operator.render import Rendered, RenderError
from cognito_sso_operator.settings import CONFIG_HASH_ANNOTATION, OWNER_LABEL
from cognito_sso_operator.spec import CognitoSSOSpec

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cognitosso.yaml"
SECRET = "s3cr3t-Value-4n8q2m9x7k1p0z5w3v6b"  # nothing else in a rendering contains this text

REGION = "us-east-1"
POOL = "us-east-1_ABC123DEF"
AUTHORITY = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"

# ---- reference §7 (minimal Cognito confidential profile), copied verbatim --------------------
REFERENCE_S7 = (
    '`AUTHENTICATION_PROVIDER="aws-cognito"`, `AUTHENTICATION_CLIENT_TYPE="confidential"`, '
    '`AUTHENTICATION_RESPONSE_TYPE="code"`, '
    '`AUTHENTICATION_AUTHORITY="https://cognito-idp.R.amazonaws.com/POOL"`, '
    '`AUTHENTICATION_CLIENT_ID="CLIENTID"`, `AUTHENTICATION_CALLBACK_URL="https://om.example.com/callback"`, '
    '`AUTHENTICATION_PUBLIC_KEYS=["https://cognito-idp.R.amazonaws.com/POOL/.well-known/jwks.json",'
    '"https://om.example.com/api/v1/system/config/jwks"]`, '
    '`AUTHENTICATION_JWT_PRINCIPAL_CLAIMS=["email","cognito:username","sub"]`, '
    '`CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME="Cognito"`, '
    '`AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM="RS256"`, '
    '`OIDC_TYPE="aws-cognito"`, `OIDC_SCOPE="openid email profile"`, '
    '`OIDC_DISCOVERY_URI="https://cognito-idp.R.amazonaws.com/POOL/.well-known/openid-configuration"`, '
    '`OIDC_USE_NONCE="true"`, `OIDC_PREFERRED_JWS="RS256"`, `OIDC_RESPONSE_TYPE="code"`, '
    '`OIDC_DISABLE_PKCE="false"`, `OIDC_CLIENT_AUTH_METHOD="client_secret_basic"`, `OIDC_TENANT="POOL"`, '
    '`OIDC_SERVER_URL="https://om.example.com"`, `OIDC_CALLBACK="https://om.example.com/callback"`, '
    '`OIDC_PROMPT_TYPE="select_account"`, `OIDC_MAX_AGE=""`, `OIDC_MAX_CLOCK_SKEW=""`, '
    '`OIDC_OM_REFRESH_TOKEN_VALIDITY="3600"`, `OIDC_SESSION_EXPIRY="604800"`, `OIDC_CUSTOM_PARAMS={}`, '
    '`AUTHORIZER_ADMIN_PRINCIPALS=["alice"]`, `AUTHORIZER_PRINCIPAL_DOMAIN="example.com"`, '
    '`AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN="false"`, `AUTHORIZER_ENABLE_SECURE_SOCKET="false"`.'
)
REFERENCE_S7_SECRET_KEYS = {"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"}
# Keys we emit beyond §7 on purpose (each justified in render.py).
EXTRA_OVER_S7 = {"AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING"}

# ---- every env name the reference lists (§1 field table, §1.1 other keys), letter for letter ----
ALLOWED_ENV_KEYS = frozenset(
    {
        # §1
        "CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME",
        "AUTHENTICATION_CLIENT_TYPE",
        "AUTHENTICATION_AUTHORITY",
        "AUTHENTICATION_PUBLIC_KEYS",
        "AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM",
        "OIDC_CLIENT_ID",
        "AUTHENTICATION_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_SCOPE",
        "OIDC_DISCOVERY_URI",
        "OIDC_USE_NONCE",
        "OIDC_PREFERRED_JWS",
        "OIDC_RESPONSE_TYPE",
        "AUTHENTICATION_RESPONSE_TYPE",
        "OIDC_DISABLE_PKCE",
        "OIDC_MAX_CLOCK_SKEW",
        "OIDC_CLIENT_AUTH_METHOD",
        "OIDC_OM_REFRESH_TOKEN_VALIDITY",
        "OIDC_TENANT",
        "OIDC_SERVER_URL",
        "OIDC_CALLBACK",
        "AUTHENTICATION_CALLBACK_URL",
        "OIDC_MAX_AGE",
        "OIDC_PROMPT_TYPE",
        "OIDC_SESSION_EXPIRY",
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS",
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING",
        "AUTHORIZER_ADMIN_PRINCIPALS",
        "AUTHORIZER_PRINCIPAL_DOMAIN",
        "AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN",
        "AUTHORIZER_ENABLE_SECURE_SOCKET",
        # §1.1
        "AUTHENTICATION_PROVIDER",
        "OIDC_TYPE",
        "AUTHENTICATION_ENABLE_SELF_SIGNUP",
        "AUTHENTICATION_ENABLE_AUTO_REDIRECT",
        "FORCE_SECURE_SESSION_COOKIE",
        "OIDC_CUSTOM_PARAMS",
        "AUTHORIZER_CLASS_NAME",
        "AUTHORIZER_REQUEST_FILTER",
        "AUTHORIZER_ALLOWED_REGISTRATION_DOMAIN",
        "AUTHORIZER_ALLOWED_DOMAINS",
        "AUTHORIZER_USE_ROLES_FROM_PROVIDER",
    }
)
PLAUSIBLE_TYPOS = [
    "OIDC_CALLBACK_URL",
    "OIDC_PREFERRED_JWS_ALGORITHM",
    "OIDC_TOKEN_VALIDITY",
    "OIDC_PROMPT",
    "OIDC_CLIENT_AUTHENTICATION_METHOD",
    "AUTHORIZER_ENABLE_SECURE_SOCKET_CONNECTION",
    "AUTHENTICATION_PUBLIC_KEY_URLS",
    "AUTHENTICATION_PROVIDER_NAME",
    "OIDC_PKCE_DISABLED",
]


# ---- spec builders --------------------------------------------------------------------------
def minimal_spec_dict(**over: Any) -> dict[str, Any]:
    """The spec equivalent of reference §7 (everything else left to defaults)."""
    d: dict[str, Any] = {
        "authority": AUTHORITY,
        "oidc": {
            "clientId": "CLIENTID",
            "clientSecretRef": {"name": "cognito-client"},
            "serverUrl": "https://om.example.com",
        },
        "authorizer": {"adminPrincipals": ["alice@example.com"], "principalDomain": "example.com"},
    }
    d.update(over)
    return d


def public_spec_dict() -> dict[str, Any]:
    d = minimal_spec_dict(clientType="Public")
    del d["oidc"]["clientSecretRef"]
    return d


def full_spec_dict() -> dict[str, Any]:
    """Every field set to a non-default value."""
    return {
        "providerName": "Company Cognito",
        "clientType": "Confidential",
        "authority": AUTHORITY,
        "publicKeyUrls": [f"{AUTHORITY}/.well-known/jwks.json", "https://om.example.com/api/v1/system/config/jwks"],
        "tokenValidationAlgorithm": "RS384",
        "jwtPrincipalClaims": ["cognito:username", "email"],
        "jwtPrincipalClaimsMapping": ["username:preferred_username", "email:email"],
        "oidc": {
            "clientId": "1a2b3c4d5e6f7g8h9i0j1k2l3m",
            "clientSecretRef": {"name": "cognito-client", "key": "secret"},
            "scopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            "discoveryUri": f"{AUTHORITY}/.well-known/openid-configuration",
            "useNonce": False,
            "preferredJwsAlgorithm": "RS512",
            "responseType": "code",
            "disablePkce": True,
            "maxClockSkewSeconds": 30,
            "clientAuthenticationMethod": "client_secret_post",
            "tokenValiditySeconds": 7200,
            "tenant": POOL,
            "serverUrl": "https://om.example.com/",
            "callbackUrl": "https://om.example.com/sso/callback",
            "maxAgeSeconds": 600,
            "prompt": "login",
            "sessionExpirySeconds": 86400,
        },
        "authorizer": {
            "adminPrincipals": ["Alice@example.com", "bob", "alice@example.com"],
            "principalDomain": "example.com",
            "enforcePrincipalDomain": True,
            "enableSecureSocketConnection": True,
        },
        "target": {
            "kind": "StatefulSet",
            "name": "om",
            "configMapName": "om-sso",
            "credentialsSecretName": "om-oidc",
            "helmValues": {"kind": "ConfigMap", "name": "om-values", "key": "sso.yaml"},
            "restartPolicy": "Never",
        },
    }


def spec_of(d: dict[str, Any]) -> CognitoSSOSpec:
    return CognitoSSOSpec.model_validate(d)


def rendered_of(d: dict[str, Any], secret: str | None = SECRET, name: str = "sso") -> Rendered:
    return render.render(name, spec_of(d), secret)


def decoded(env: dict[str, str]) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in env.items()}


OWNER = {
    "apiVersion": "cognito-sso.dev/v1alpha1",
    "kind": "CognitoSSO",
    "metadata": {"name": "sso", "uid": "0b7c2f9e-1111-2222-3333-444455556666"},
}


# ---- golden: reference §7 ---------------------------------------------------------------------
def _s7_pairs() -> dict[str, str]:
    pairs = dict(re.findall(r"`([A-Z_]+)=([^`]*)`", REFERENCE_S7))
    out = {}
    for k, v in pairs.items():
        out[k] = v.replace("cognito-idp.R.", f"cognito-idp.{REGION}.").replace("POOL", POOL)
    return out


def test_reference_s7_copy_is_complete() -> None:
    pairs = _s7_pairs()
    assert len(pairs) == 31
    assert pairs["OIDC_TENANT"] == f'"{POOL}"'


def test_reference_s7_copy_matches_reference_when_available() -> None:
    candidates = [REPO.parent / "shared" / "reference" / "openmetadata-sso.md"]
    found = [p for p in candidates if p.is_file()]
    if not found:
        pytest.skip("reference notes not checked out beside the repo")
    text = found[0].read_text(encoding="utf-8")
    assert REFERENCE_S7 in text


def test_golden_minimal_confidential_profile() -> None:
    r = rendered_of(minimal_spec_dict())
    expected = _s7_pairs()
    for key, value in expected.items():
        assert key in r.env, key
        assert r.env[key] == value, key
    assert set(r.env) - set(expected) == EXTRA_OVER_S7
    assert r.env["AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING"] == "[]"
    assert set(r.credentials) == REFERENCE_S7_SECRET_KEYS
    assert r.credentials == {"OIDC_CLIENT_ID": "CLIENTID", "OIDC_CLIENT_SECRET": SECRET}


def test_golden_uses_lowercase_client_type_and_cognito_provider() -> None:
    env = rendered_of(minimal_spec_dict()).env
    assert env["AUTHENTICATION_CLIENT_TYPE"] == '"confidential"'
    assert env["AUTHENTICATION_PROVIDER"] == '"aws-cognito"'
    assert env["OIDC_TYPE"] == '"aws-cognito"'


# ---- key names --------------------------------------------------------------------------------
@pytest.mark.parametrize("spec_dict", [minimal_spec_dict(), public_spec_dict(), full_spec_dict()],
                         ids=["minimal", "public", "full"])
def test_every_env_key_is_a_known_openmetadata_name(spec_dict: dict[str, Any]) -> None:
    env = rendered_of(spec_dict).env
    unknown = set(env) - ALLOWED_ENV_KEYS
    assert not unknown
    shape = r"(AUTHENTICATION|OIDC|AUTHORIZER)_[A-Z_]+|CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"
    assert all(re.fullmatch(shape, k) for k in env)


def test_allow_list_catches_typos() -> None:
    for typo in PLAUSIBLE_TYPOS:
        assert typo not in ALLOWED_ENV_KEYS
    env = rendered_of(full_spec_dict()).env
    assert not set(PLAUSIBLE_TYPOS) & set(env)


def test_module_key_tuples_are_allowed_and_complete() -> None:
    declared = set(render.AUTHENTICATION_KEYS) | set(render.OIDC_KEYS) | set(render.AUTHORIZER_KEYS)
    assert declared <= ALLOWED_ENV_KEYS
    assert set(rendered_of(minimal_spec_dict()).env) == declared


# ---- values -----------------------------------------------------------------------------------
def test_full_spec_values() -> None:
    r = rendered_of(full_spec_dict())
    d = decoded(r.env)
    assert d["CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"] == "Company Cognito"
    assert d["AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM"] == "RS384"
    assert d["AUTHENTICATION_JWT_PRINCIPAL_CLAIMS"] == ["cognito:username", "email"]
    assert d["AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING"] == ["username:preferred_username", "email:email"]
    assert d["OIDC_SCOPE"] == "openid email profile aws.cognito.signin.user.admin"
    assert d["OIDC_USE_NONCE"] == "false"
    assert d["OIDC_PREFERRED_JWS"] == "RS512"
    assert d["OIDC_DISABLE_PKCE"] == "true"
    assert d["OIDC_MAX_CLOCK_SKEW"] == "30"
    assert d["OIDC_CLIENT_AUTH_METHOD"] == "client_secret_post"
    assert d["OIDC_OM_REFRESH_TOKEN_VALIDITY"] == "7200"
    assert d["OIDC_SERVER_URL"] == "https://om.example.com"  # trailing slash dropped
    assert d["OIDC_CALLBACK"] == d["AUTHENTICATION_CALLBACK_URL"] == "https://om.example.com/sso/callback"
    assert d["OIDC_MAX_AGE"] == "600"
    assert d["OIDC_PROMPT_TYPE"] == "login"
    assert d["OIDC_SESSION_EXPIRY"] == "86400"
    assert d["AUTHORIZER_ADMIN_PRINCIPALS"] == ["alice", "bob"]
    assert d["AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN"] == "true"
    assert d["AUTHORIZER_ENABLE_SECURE_SOCKET"] == "true"
    assert r.names == render.RenderedNames(
        config_map="om-sso",
        credentials_secret="om-oidc",
        helm_values=("ConfigMap", "om-values", "sso.yaml"),
        workload_kind="StatefulSet",
        workload_name="om",
        owner="sso",
    )


def test_default_names() -> None:
    r = rendered_of(minimal_spec_dict(), name="openmetadata-sso")
    assert r.names.config_map == "openmetadata-sso-sso-env"
    assert r.names.credentials_secret == "openmetadata-sso-sso-credentials"
    assert r.names.helm_values is None
    assert (r.names.workload_kind, r.names.workload_name) == ("Deployment", "openmetadata")


def test_empty_prompt_renders_empty_string() -> None:
    d = minimal_spec_dict()
    d["oidc"]["prompt"] = ""
    assert rendered_of(d).env["OIDC_PROMPT_TYPE"] == '""'


TRICKY = [
    "Cognito: prod # main",
    "{not: a map}",
    "[not, a, list]",
    "'single' and \"double\" quotes \\ backslash",
    "&anchor *alias !tag %dir @at `tick` | > -",
    "Ünïcödé — 中文 ☃",
    "trailing space ",
    " leading",
    "no",  # YAML 1.1 boolean when unquoted
    "0x10",
]


@pytest.mark.parametrize("text", TRICKY)
def test_yaml_looking_values_round_trip(text: str) -> None:
    d = minimal_spec_dict(providerName=text, jwtPrincipalClaims=[text, "sub"])
    d["authorizer"]["adminPrincipals"] = [text]
    env = rendered_of(d).env
    for key, intended in [
        ("CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME", text),
        ("AUTHENTICATION_JWT_PRINCIPAL_CLAIMS", [text, "sub"]),
        ("AUTHORIZER_ADMIN_PRINCIPALS", spec_of(d).admin_usernames),  # email local part if it has '@'
    ]:
        value = env[key]
        assert json.loads(value) == intended
        # OpenMetadata substitutes the value into YAML text and parses it (reference §3).
        assert yaml.safe_load(value) == intended
        assert yaml.safe_load(f"key: {value}\nnext: 1\n") == {"key": intended, "next": 1}


def test_astral_characters_are_escaped_as_json() -> None:
    env = rendered_of(minimal_spec_dict(providerName="SSO 😀")).env
    value = env["CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"]
    assert value == '"SSO \\ud83d\\ude00"'  # ASCII only, whatever the container's locale
    assert json.loads(value) == "SSO 😀"


def test_every_value_decodes_to_its_intended_type() -> None:
    for d in (minimal_spec_dict(), full_spec_dict(), public_spec_dict()):
        r = rendered_of(d)
        for key, value in r.env.items():
            parsed = json.loads(value)
            assert parsed == yaml.safe_load(value), key
            if key == "OIDC_CUSTOM_PARAMS":
                assert parsed == {}
            elif key.endswith(("_KEYS", "_CLAIMS", "_MAPPING", "_PRINCIPALS")):
                assert isinstance(parsed, list), key
                assert value == json.dumps(parsed, separators=(",", ":")), key  # no separator spaces
            else:
                assert isinstance(parsed, str), key  # scalars are JSON strings, incl. "true"/"3600"


_printable = st.characters(
    blacklist_categories=("Cs", "Cc"),  # no surrogates, no control characters (the spec forbids them)
)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=_printable, max_size=80))
def test_encoding_property(text: str) -> None:
    d = minimal_spec_dict(providerName=text)
    d["authorizer"]["adminPrincipals"] = [text or "x"]
    env = rendered_of(d).env
    for value in env.values():
        assert re.fullmatch(r"[\x20-\x7e]*", value)  # one printable ASCII line
    assert json.loads(env["CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"]) == text
    if all(ord(c) <= 0xFFFF for c in text):  # PyYAML does not join \u surrogate pairs; SnakeYAML does
        assert yaml.safe_load(env["CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"]) == text
        assert yaml.safe_load(env["AUTHORIZER_ADMIN_PRINCIPALS"]) == spec_of(d).admin_usernames


def test_control_characters_never_reach_the_configmap() -> None:
    # The spec forbids them; even a spec built without validation renders escaped values.
    spec = spec_of(minimal_spec_dict())
    bad = spec.model_copy(update={"provider_name": "line1\nline2\r\t\x00\x7f\x85\u2028"})
    env = render.render("sso", bad, SECRET).env
    value = env["CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"]
    assert "\n" not in value
    assert "\r" not in value
    assert json.loads(value) == "line1\nline2\r\t\x00\x7f\x85\u2028"
    with pytest.raises(RenderError):
        render.check_env_value("X", '"a\nb"')
    with pytest.raises(RenderError):
        render.check_env_value("X", '"\u00e9"')


def test_spec_rejects_control_characters() -> None:
    with pytest.raises(ValueError, match="provider"):
        spec_of(minimal_spec_dict(providerName="a\nb"))


# ---- helm values agree with env ---------------------------------------------------------------
HELM_ENV_PAIRS = [
    (("authentication", "provider"), "AUTHENTICATION_PROVIDER"),
    (("authentication", "clientType"), "AUTHENTICATION_CLIENT_TYPE"),
    (("authentication", "authority"), "AUTHENTICATION_AUTHORITY"),
    (("authentication", "clientId"), "AUTHENTICATION_CLIENT_ID"),
    (("authentication", "callbackUrl"), "AUTHENTICATION_CALLBACK_URL"),
    (("authentication", "publicKeys"), "AUTHENTICATION_PUBLIC_KEYS"),
    (("authentication", "jwtPrincipalClaims"), "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS"),
    (("authentication", "jwtPrincipalClaimsMapping"), "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING"),
    (("authentication", "responseType"), "AUTHENTICATION_RESPONSE_TYPE"),
    (("authentication", "oidcConfiguration", "oidcType"), "OIDC_TYPE"),
    (("authentication", "oidcConfiguration", "scope"), "OIDC_SCOPE"),
    (("authentication", "oidcConfiguration", "discoveryUri"), "OIDC_DISCOVERY_URI"),
    (("authentication", "oidcConfiguration", "useNonce"), "OIDC_USE_NONCE"),
    (("authentication", "oidcConfiguration", "preferredJwsAlgorithm"), "OIDC_PREFERRED_JWS"),
    (("authentication", "oidcConfiguration", "responseType"), "OIDC_RESPONSE_TYPE"),
    (("authentication", "oidcConfiguration", "promptType"), "OIDC_PROMPT_TYPE"),
    (("authentication", "oidcConfiguration", "disablePkce"), "OIDC_DISABLE_PKCE"),
    (("authentication", "oidcConfiguration", "callbackUrl"), "OIDC_CALLBACK"),
    (("authentication", "oidcConfiguration", "serverUrl"), "OIDC_SERVER_URL"),
    (("authentication", "oidcConfiguration", "clientAuthenticationMethod"), "OIDC_CLIENT_AUTH_METHOD"),
    (("authentication", "oidcConfiguration", "tenant"), "OIDC_TENANT"),
    (("authentication", "oidcConfiguration", "maxClockSkew"), "OIDC_MAX_CLOCK_SKEW"),
    (("authentication", "oidcConfiguration", "maxAge"), "OIDC_MAX_AGE"),
    (("authentication", "oidcConfiguration", "tokenValidity"), "OIDC_OM_REFRESH_TOKEN_VALIDITY"),
    (("authentication", "oidcConfiguration", "sessionExpiry"), "OIDC_SESSION_EXPIRY"),
    (("authorizer", "initialAdmins"), "AUTHORIZER_ADMIN_PRINCIPALS"),
    (("authorizer", "principalDomain"), "AUTHORIZER_PRINCIPAL_DOMAIN"),
    (("authorizer", "enforcePrincipalDomain"), "AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN"),
    (("authorizer", "enableSecureSocketConnection"), "AUTHORIZER_ENABLE_SECURE_SOCKET"),
]


def _helm_get(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = values["openmetadata"]["config"]
    for p in path:
        node = node[p]
    return node


def _as_env(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@pytest.mark.parametrize("spec_dict", [minimal_spec_dict(), full_spec_dict()], ids=["minimal", "full"])
def test_helm_values_agree_with_env(spec_dict: dict[str, Any]) -> None:
    r = rendered_of(spec_dict)
    env = decoded(r.env)
    for path, key in HELM_ENV_PAIRS:
        assert _as_env(_helm_get(r.helm_values, path)) == env[key], key
    oidc = r.helm_values["openmetadata"]["config"]["authentication"]["oidcConfiguration"]
    assert oidc["enabled"] is True
    assert oidc["clientId"] == {"secretRef": r.names.credentials_secret, "secretKey": "OIDC_CLIENT_ID"}
    secret_ref = {"secretRef": r.names.credentials_secret, "secretKey": "OIDC_CLIENT_SECRET"}
    assert oidc["clientSecret"] == secret_ref
    assert json.loads(oidc["customParams"]) == env["OIDC_CUSTOM_PARAMS"]
    assert r.helm_values["envFrom"] == [{"configMapRef": {"name": r.names.config_map}}]
    assert "extraEnvs" not in r.helm_values  # OIDC_CLIENT_* come from the chart's own env entries


def test_helm_values_leave_authorizer_classes_default() -> None:
    authorizer = rendered_of(minimal_spec_dict()).helm_values["openmetadata"]["config"]["authorizer"]
    assert "className" not in authorizer
    assert "containerRequestFilter" not in authorizer


# ---- public clients ---------------------------------------------------------------------------
def test_public_client_subset() -> None:
    r = rendered_of(public_spec_dict(), secret=None)
    assert not [k for k in r.env if k.startswith("OIDC_")]
    assert json.loads(r.env["AUTHENTICATION_CLIENT_TYPE"]) == "public"
    assert json.loads(r.env["AUTHENTICATION_CLIENT_ID"]) == "CLIENTID"
    assert r.credentials == {}
    assert r.names.credentials_secret is None
    assert render.build_credentials_secret(r, "ns", OWNER) is None
    auth = r.helm_values["openmetadata"]["config"]["authentication"]
    assert auth["clientType"] == "public"
    assert auth["oidcConfiguration"] == {"enabled": False}
    assert "OIDC_CLIENT" not in json.dumps(r.helm_values)


def test_public_client_ignores_a_stray_secret() -> None:
    with_secret = rendered_of(public_spec_dict(), secret=SECRET)
    without = rendered_of(public_spec_dict(), secret=None)
    assert with_secret == without
    assert SECRET not in repr(with_secret)


def test_confidential_needs_a_clean_secret() -> None:
    with pytest.raises(RenderError, match="secret"):
        rendered_of(minimal_spec_dict(), secret=None)
    with pytest.raises(RenderError, match="secret"):
        rendered_of(minimal_spec_dict(), secret="")
    with pytest.raises(RenderError, match="control character"):
        rendered_of(minimal_spec_dict(), secret=SECRET + "\n")


# ---- hash -------------------------------------------------------------------------------------
def test_hash_shape_and_determinism() -> None:
    a = rendered_of(minimal_spec_dict())
    b = rendered_of(minimal_spec_dict())
    assert re.fullmatch(r"[0-9a-f]{32}", a.config_hash)
    assert a.config_hash == b.config_hash


def test_hash_independent_of_dict_order() -> None:
    d = minimal_spec_dict()
    reordered = {k: d[k] for k in reversed(list(d))}
    reordered["oidc"] = {k: d["oidc"][k] for k in reversed(list(d["oidc"]))}
    assert rendered_of(reordered).config_hash == rendered_of(d).config_hash
    r = rendered_of(d)
    env_rev = dict(reversed(list(r.env.items())))
    assert render.compute_config_hash(env_rev, r.credentials, r.helm_values, r.names) == r.config_hash


def test_hash_stable_across_processes() -> None:
    code = (
        "import json,sys\n"
        "from cognito_sso_operator import render\n"
        "from cognito_sso_operator.spec import CognitoSSOSpec\n"
        "d=json.loads(sys.argv[1])\n"
        "print(render.render('sso', CognitoSSOSpec.model_validate(d), sys.argv[2]).config_hash)\n"
    )
    hashes = set()
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, json.dumps(full_spec_dict()), SECRET],
            capture_output=True, text=True, check=True, env=env,
        )
        hashes.add(out.stdout.strip())
    assert hashes == {rendered_of(full_spec_dict()).config_hash}


def test_secret_rotation_changes_hash() -> None:
    assert rendered_of(minimal_spec_dict(), secret="one").config_hash != rendered_of(
        minimal_spec_dict(), secret="two"
    ).config_hash


def _mutations() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    d = minimal_spec_dict()
    d["oidc"]["prompt"] = "login"
    out.append(("prompt", d))
    d = minimal_spec_dict()
    d["authorizer"]["adminPrincipals"] = ["bob@example.com"]
    out.append(("admins", d))
    # Env-only keys (no chart value): the env itself must be hashed, not just the Helm values.
    out.append(("provider-name", minimal_spec_dict(providerName="Other")))
    out.append(("token-algorithm", minimal_spec_dict(tokenValidationAlgorithm="RS512")))
    out.append(("target", minimal_spec_dict(target={"deploymentName": "om2"})))
    out.append(("kind", minimal_spec_dict(target={"kind": "StatefulSet"})))
    out.append(("configmap", minimal_spec_dict(target={"configMapName": "other"})))
    out.append(("helmvalues", minimal_spec_dict(target={"helmValues": {"name": "vals"}})))
    d = minimal_spec_dict()
    d["oidc"]["clientSecretRef"] = {"name": "cognito-client", "key": "other"}  # same value, other key
    out.append(("secret-ref-only", d))
    return out


@pytest.mark.parametrize(("what", "changed"), _mutations(), ids=[m[0] for m in _mutations()])
def test_spec_change_changes_hash(what: str, changed: dict[str, Any]) -> None:
    base = rendered_of(minimal_spec_dict()).config_hash
    if what == "secret-ref-only":
        # Where the secret is read from is not rendered: only its value matters.
        assert rendered_of(changed).config_hash == base
    else:
        assert rendered_of(changed).config_hash != base


def test_metadata_only_changes_keep_hash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    other = json.loads(json.dumps(doc))
    other["metadata"].update(
        {"labels": {"team": "data"}, "annotations": {"note": "x"}, "uid": "abc", "resourceVersion": "9",
         "generation": 7}
    )
    outputs = []
    for i, body in enumerate((doc, other)):
        p = tmp_path / f"m{i}.yaml"
        p.write_text(yaml.safe_dump(body))
        assert cli.main(["render", "-f", str(p), "-o", "all"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


# ---- builders ---------------------------------------------------------------------------------
def test_build_config_map() -> None:
    r = rendered_of(minimal_spec_dict())
    cm = render.build_config_map(r, "data", OWNER)
    assert cm["apiVersion"] == "v1"
    assert cm["kind"] == "ConfigMap"
    meta = cm["metadata"]
    assert meta["name"] == "sso-sso-env"
    assert meta["namespace"] == "data"
    assert meta["labels"] == {
        "app.kubernetes.io/managed-by": "cognito-sso-operator",
        "app.kubernetes.io/part-of": "openmetadata",
        OWNER_LABEL: "sso",
    }
    assert meta["annotations"] == {CONFIG_HASH_ANNOTATION: r.config_hash}
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "cognito-sso.dev/v1alpha1",
            "kind": "CognitoSSO",
            "name": "sso",
            "uid": OWNER["metadata"]["uid"],  # type: ignore[index]
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert cm["data"] == r.env
    assert list(cm["data"]) == sorted(cm["data"])


def test_build_credentials_secret() -> None:
    r = rendered_of(minimal_spec_dict())
    s = render.build_credentials_secret(r, "data", OWNER)
    assert s is not None
    assert s["type"] == "Opaque"
    assert s["kind"] == "Secret"
    assert s["metadata"]["name"] == "sso-sso-credentials"
    assert s["metadata"]["annotations"][CONFIG_HASH_ANNOTATION] == r.config_hash
    assert "stringData" not in s
    assert {k: base64.b64decode(v).decode() for k, v in s["data"].items()} == {
        "OIDC_CLIENT_ID": "CLIENTID",
        "OIDC_CLIENT_SECRET": SECRET,
    }


@pytest.mark.parametrize("kind", ["Secret", "ConfigMap"])
def test_build_helm_values_object(kind: str) -> None:
    r = rendered_of(minimal_spec_dict(target={"helmValues": {"kind": kind, "name": "om-values"}}))
    obj = render.build_helm_values_object(r, "data", OWNER)
    assert obj is not None
    assert obj["kind"] == kind
    assert obj["metadata"]["name"] == "om-values"
    assert obj["metadata"]["ownerReferences"][0]["uid"] == OWNER["metadata"]["uid"]  # type: ignore[index]
    raw = obj["data"]["values.yaml"]
    text = base64.b64decode(raw).decode() if kind == "Secret" else raw
    assert yaml.safe_load(text) == r.helm_values
    assert text.startswith("openmetadata:")  # sort_keys=False keeps the chart's order
    assert SECRET not in text


def test_no_helm_values_object_unless_asked() -> None:
    assert render.build_helm_values_object(rendered_of(minimal_spec_dict()), "data", OWNER) is None


def test_owner_label_only_for_valid_label_values() -> None:
    long_name = "a" * 64
    r = render.render(long_name, spec_of(minimal_spec_dict()), SECRET)
    owner = {**OWNER, "metadata": {"name": long_name, "uid": "u"}}
    labels = render.build_config_map(r, "ns", owner)["metadata"]["labels"]
    assert OWNER_LABEL not in labels
    assert labels["app.kubernetes.io/managed-by"] == "cognito-sso-operator"
    assert render.is_valid_label_value("a" * 63)
    assert not render.is_valid_label_value("a.b-")
    assert render.is_valid_label_value("openmetadata.sso")


def test_owner_must_be_the_rendered_resource_with_uid() -> None:
    r = rendered_of(minimal_spec_dict())
    with pytest.raises(ValueError, match="uid"):
        render.build_config_map(r, "ns", {"metadata": {"name": "sso"}})
    with pytest.raises(ValueError, match="not the CognitoSSO"):
        render.build_config_map(r, "ns", {**OWNER, "metadata": {"name": "other", "uid": "u"}})


def test_preview_without_owner_has_no_owner_references() -> None:
    cm = render.build_config_map(rendered_of(minimal_spec_dict()), None, None)
    assert "ownerReferences" not in cm["metadata"]
    assert "namespace" not in cm["metadata"]
    assert cm["metadata"]["labels"][OWNER_LABEL] == "sso"


# ---- secrets never leak -----------------------------------------------------------------------
@pytest.mark.parametrize("spec_dict", [minimal_spec_dict(), full_spec_dict()], ids=["minimal", "full"])
def test_secret_never_in_env_configmap_or_helm_values(spec_dict: dict[str, Any]) -> None:
    d = json.loads(json.dumps(spec_dict))
    d.setdefault("target", {})["helmValues"] = {"kind": "Secret", "name": "om-values"}
    r = rendered_of(d)
    assert not {"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"} & set(r.env)
    assert SECRET not in json.dumps(r.env)
    assert SECRET not in json.dumps(render.build_config_map(r, "ns", OWNER))
    assert SECRET not in json.dumps(r.helm_values)
    obj = render.build_helm_values_object(r, "ns", OWNER)
    assert obj is not None
    assert SECRET not in base64.b64decode(obj["data"]["values.yaml"]).decode()
    assert SECRET not in r.config_hash


def test_redact() -> None:
    assert render.redact(f"a {SECRET} b {SECRET}", [SECRET, None, ""]) == "a <redacted> b <redacted>"
    assert render.redact("nothing", [None]) == "nothing"


# ---- CLI --------------------------------------------------------------------------------------
def test_cli_render_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", "-f", str(EXAMPLE), "-o", "all"]) == 0
    out = capsys.readouterr().out
    docs = [d for d in yaml.safe_load_all(out) if d is not None]
    assert [d.get("kind") for d in docs] == ["ConfigMap", "Secret", None]
    cm, secret, values = docs
    assert cm["metadata"]["name"] == "openmetadata-sso-sso-env"
    assert json.loads(cm["data"]["AUTHENTICATION_PROVIDER"]) == "aws-cognito"
    assert json.loads(cm["data"]["AUTHORIZER_ADMIN_PRINCIPALS"]) == ["admin"]
    assert secret["stringData"] == {
        "OIDC_CLIENT_ID": "EXAMPLECLIENTID",
        "OIDC_CLIENT_SECRET": "<redacted: from Secret cognito-client key clientSecret>",
    }
    assert "data" not in secret
    assert values["openmetadata"]["config"]["authentication"]["provider"] == "aws-cognito"
    assert values["envFrom"] == [{"configMapRef": {"name": "openmetadata-sso-sso-env"}}]


def test_cli_render_env_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", "-f", str(EXAMPLE), "-o", "env"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln and not ln.startswith("#")]
    keys = [ln.split("=", 1)[0] for ln in lines]
    assert keys == sorted(keys)
    assert 'AUTHENTICATION_CLIENT_TYPE="confidential"' in lines
    assert "OIDC_CUSTOM_PARAMS={}" in lines
    assert not any(k.startswith("OIDC_CLIENT_ID") or k.startswith("OIDC_CLIENT_SECRET") for k in keys)


@pytest.mark.parametrize("output", ["env", "configmap", "secret-template", "helm-values", "all"])
def test_cli_never_prints_the_secret(output: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    args = ["render", "-f", str(EXAMPLE), "-o", output, "--client-secret-file", str(secret_file)]
    assert cli.main(args) == 0
    with_secret = capsys.readouterr()
    assert SECRET not in with_secret.out
    assert SECRET not in with_secret.err
    assert cli.main(["render", "-f", str(EXAMPLE), "-o", output]) == 0
    placeholder = capsys.readouterr()
    if output in ("env", "configmap", "secret-template", "all"):
        # the secret is used for the hash only
        assert with_secret.out != placeholder.out
    spec = spec_of(yaml.safe_load(EXAMPLE.read_text())["spec"])
    expected_hash = render.render("openmetadata-sso", spec, SECRET).config_hash
    if output != "helm-values":
        assert expected_hash in with_secret.out


def test_cli_reads_stdin_and_skips_other_kinds(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: cognito-client}\n---\n" + EXAMPLE.read_text()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert cli.main(["render", "-f", "-", "-o", "configmap"]) == 0
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out)["kind"] == "ConfigMap"
    assert "skipping kind 'Secret'" in captured.err


def test_cli_rejects_invalid_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["spec"]["oidc"]["prompt"] = "consent"
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc))
    assert cli.main(["render", "-f", str(p), "-o", "all"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "prompt" in captured.err


def test_cli_uses_validate_manifest_when_present(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def fake_validate(body: Any) -> list[str]:
        seen.append(body)
        return ["spec.authority: not a user pool"]

    monkeypatch.setattr(render, "_validator", lambda: fake_validate)
    assert cli.main(["render", "-f", str(EXAMPLE), "-o", "env"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "spec.authority: not a user pool" in captured.err
    assert seen
    assert seen[0]["kind"] == "CognitoSSO"


def test_cli_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["render", "-f", str(tmp_path / "missing.yaml")]) == 1
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert cli.main(["render", "-f", str(empty)]) == 1
    assert "no CognitoSSO document" in capsys.readouterr().err
    blank_secret = tmp_path / "blank"
    blank_secret.write_text("\n")
    assert cli.main(["render", "-f", str(EXAMPLE), "--client-secret-file", str(blank_secret)]) == 1


def test_cli_public_secret_template(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["spec"]["clientType"] = "Public"
    del doc["spec"]["oidc"]["clientSecretRef"]
    p = tmp_path / "public.yaml"
    p.write_text(yaml.safe_dump(doc))
    assert cli.main(["render", "-f", str(p), "-o", "secret-template"]) == 0
    assert "Public client, no credentials Secret" in capsys.readouterr().out
    assert cli.main(["render", "-f", str(p), "-o", "all"]) == 0
    kinds = [d.get("kind") for d in yaml.safe_load_all(capsys.readouterr().out) if d]
    assert kinds == ["ConfigMap", None]
