"""Unit tests of cognito_sso_operator.validate.

The bad/good manifest tables in tests/cases/ are shared with tests/integration/test_admission.py, which
runs the same table against a real kube-apiserver.
"""

from __future__ import annotations

import copy
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import respx
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm
from moto import mock_aws

from cognito_sso_operator import cli
from cognito_sso_operator.discovery import Discovery, DiscoveryError, Reason
from cognito_sso_operator.spec import (
    OIDC_RULES,
    PROMPT_MESSAGE,
    ROOT_RULES,
    SPEC_RULES,
    TARGET_RULES,
    CognitoSSOSpec,
)
from cognito_sso_operator.validate import (
    Problem,
    check_app_client,
    parse_spec,
    validate_files_command,
    validate_live,
    validate_manifest,
    validate_static,
)
from tests.cases import BadCase, bad_cases, base_manifest, good_cases, merge_patch

BAD = bad_cases()
GOOD = good_cases()
ALL_RULES = [*SPEC_RULES, *OIDC_RULES, *TARGET_RULES, *ROOT_RULES]


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def base_spec(**patch: Any) -> CognitoSSOSpec:
    spec, problems = parse_spec(merge_patch(base_manifest()["spec"], patch))
    assert spec is not None, problems
    return spec


# ----------------------------------------------------------------------------------------------------
# the tables
# ----------------------------------------------------------------------------------------------------


def test_table_has_at_least_40_bad_manifests_with_unique_names() -> None:
    assert len(BAD) >= 40
    names = [c.name for c in BAD] + [g.name for g in GOOD]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.name)
def test_bad_manifest_is_rejected_with_its_message(case: BadCase) -> None:
    found = messages(validate_manifest(case.manifest))
    assert any(case.expect in m for m in found), f"{case.expect!r} not in {found}"


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.name)
def test_bad_manifest_messages_name_a_field_and_never_a_secret(case: BadCase) -> None:
    for p in validate_manifest(case.manifest):
        assert p.field
        assert p.reason
        assert p.message
        assert p.reason[0].isupper()
        assert "_" not in p.reason
        assert " " not in p.reason
        assert p.field.split(".")[0].split("[")[0] in {"spec", "metadata", "apiVersion", "kind"}
        if case.secret:
            assert case.secret not in str(p)


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.name)
def test_good_manifest_passes(case: Any) -> None:
    assert validate_manifest(case.manifest) == []


def test_every_rule_message_is_produced_by_some_bad_manifest() -> None:
    produced = {m for case in BAD for m in messages(validate_manifest(case.manifest))}
    missing = [r.id for r in ALL_RULES if not any(r.message in m for m in produced)]
    assert missing == []


def test_seed_mapping_is_rejected_with_an_explanation() -> None:
    spec = base_spec(jwtPrincipalClaimsMapping=["email:email", "name:name", "firstName:given_name"])
    problems = validate_static(spec)
    assert {p.reason for p in problems} == {"InvalidClaimsMapping"}
    assert any("exactly one username:<claim> and one email:<claim> and nothing else" in p.message for p in problems)


# ----------------------------------------------------------------------------------------------------
# Problem, parse_spec
# ----------------------------------------------------------------------------------------------------


def test_problem_str_names_the_field_once() -> None:
    assert str(Problem("spec.oidc.prompt", "InvalidPrompt", PROMPT_MESSAGE)) == PROMPT_MESSAGE
    assert str(Problem("spec.authority", "IssuerMismatch", "issuer differs")) == "spec.authority: issuer differs"


def test_parse_spec_returns_the_model() -> None:
    spec, problems = parse_spec(base_manifest()["spec"])
    assert problems == []
    assert spec is not None
    assert spec.pool_id == "us-east-1_ABC123DEF"
    assert spec.admin_usernames == ["admin", "superuser"]


@pytest.mark.parametrize(
    ("patch", "field", "reason", "message"),
    [
        ({"oidc": {"prompt": "none"}}, "spec.oidc.prompt", "InvalidPrompt", PROMPT_MESSAGE),
        ({"oidc": {"prompt": "consent"}}, "spec.oidc.prompt", "InvalidPrompt", PROMPT_MESSAGE),
        ({"oidc": {"foo": 1}}, "spec.oidc.foo", "UnknownField", "spec.oidc.foo is not a known field"),
        (
            {"oidc": {"maxAgeSeconds": -5}},
            "spec.oidc.maxAgeSeconds",
            "InvalidField",
            "spec.oidc.maxAgeSeconds must be a whole number of seconds between 0 and 31536000",
        ),
        (
            {"providerName": "a\tb"},
            "spec.providerName",
            "InvalidField",
            "spec.providerName must not contain control characters (newline, tab, ...)",
        ),
        ({"oidc": {"serverUrl": None}}, "spec.oidc.serverUrl", "MissingField", "spec.oidc.serverUrl is required"),
        (
            {"oidc": {"scopes": ["openid", 7]}},
            "spec.oidc.scopes[1]",
            "InvalidField",
            "spec.oidc.scopes[1] must be a string",
        ),
        (
            {"oidc": {"clientSecretRef": "cognito-client"}},
            "spec.oidc.clientSecretRef",
            "InvalidField",
            "spec.oidc.clientSecretRef must be an object (a mapping of fields)",
        ),
        (
            {"clientTyp": "Public"},
            "spec.clientTyp",
            "UnknownField",
            "spec.clientTyp is not a known field (did you mean clientType?)",
        ),
    ],
)
def test_parse_spec_messages(patch: dict[str, Any], field: str, reason: str, message: str) -> None:
    spec, problems = parse_spec(merge_patch(base_manifest()["spec"], patch) if patch else {})
    assert spec is None
    assert Problem(field, reason, message) in problems


def test_parse_spec_is_strict_like_the_apiserver() -> None:
    for patch in (
        {"oidc": {"tokenValiditySeconds": "3600"}},
        {"oidc": {"useNonce": "true"}},
        {"authorizer": {"enforcePrincipalDomain": 1}},
    ):
        spec, problems = parse_spec(merge_patch(base_manifest()["spec"], patch))
        assert spec is None
        assert problems


def test_parse_spec_prunes_nulls_like_the_apiserver() -> None:
    raw = copy.deepcopy(base_manifest()["spec"])
    raw["oidc"]["tenant"] = None
    raw["target"] = None
    spec, problems = parse_spec(raw)
    assert problems == []
    assert spec is not None
    assert spec.oidc.tenant is None


@pytest.mark.parametrize("raw", [None, "spec", ["a"], 3])
def test_parse_spec_rejects_non_objects(raw: Any) -> None:
    spec, problems = parse_spec(raw)
    assert spec is None
    assert len(problems) == 1
    assert problems[0].field == "spec"


_FIELDS_WITH_STRINGS: list[tuple[str, ...]] = [
    ("providerName",),
    ("authority",),
    ("oidc", "clientId"),
    ("oidc", "serverUrl"),
    ("oidc", "callbackUrl"),
    ("oidc", "tenant"),
    ("oidc", "discoveryUri"),
    ("oidc", "prompt"),
    ("oidc", "clientSecretRef", "name"),
    ("oidc", "clientSecretRef", "key"),
    ("authorizer", "principalDomain"),
    ("target", "serviceUrl"),
    ("target", "configMapName"),
    ("clientType",),
    ("oidc", "responseType"),
]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(_FIELDS_WITH_STRINGS),
    tail=st.text(min_size=0, max_size=300),
    in_list=st.sampled_from([None, "scopes", "jwtPrincipalClaimsMapping", "adminPrincipals", "publicKeyUrls"]),
)
def test_values_are_never_echoed(path: tuple[str, ...], tail: str, in_list: str | None) -> None:
    """Whatever lands in a field (maybe a pasted secret), no message repeats it."""
    value = "SeCrEt" + tail
    doc = copy.deepcopy(base_manifest())
    spec = doc["spec"]
    if in_list == "scopes":
        spec["oidc"]["scopes"] = ["openid", value]
    elif in_list == "jwtPrincipalClaimsMapping":
        spec["jwtPrincipalClaimsMapping"] = ["username:sub", value]
    elif in_list == "adminPrincipals":
        spec["authorizer"]["adminPrincipals"] = [value]
    elif in_list == "publicKeyUrls":
        spec["publicKeyUrls"] = [value]
    else:
        node = spec
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    for p in validate_manifest(doc):
        assert "SeCrEt" not in str(p)


# ----------------------------------------------------------------------------------------------------
# validate_static details the table does not show
# ----------------------------------------------------------------------------------------------------


def test_static_rules_use_the_rule_messages_and_fields() -> None:
    spec = base_spec(oidc={"tenant": "us-east-1_OTHER"})
    rule = next(r for r in SPEC_RULES if r.id == "tenant-pool")
    assert validate_static(spec) == [Problem(rule.field_path, "InvalidTenant", rule.message)]


def test_admin_emails_render_as_user_names() -> None:
    spec = base_spec(authorizer={"adminPrincipals": ["Admin@Company.com", "bob", "admin@other.org"]})
    assert spec.admin_usernames == ["admin", "bob"]


def test_default_child_names_only_checked_when_the_name_is_known() -> None:
    spec = base_spec(oidc={"clientSecretRef": {"name": "om-sso-credentials"}})
    assert validate_static(spec) == []
    assert [p.reason for p in validate_static(spec, name="om")] == ["NameCollision"]


def test_helm_values_secret_collisions() -> None:
    spec = base_spec(target={"helmValues": {"kind": "Secret", "name": "cognito-client"}})
    assert [p.field for p in validate_static(spec)] == ["spec.target.helmValues.name"]
    spec = base_spec(target={"credentialsSecretName": "om-creds", "helmValues": {"name": "om-creds"}})
    assert [p.reason for p in validate_static(spec)] == ["NameCollision"]


@pytest.mark.parametrize(
    "url",
    [
        "https://om.example.com",
        "https://om.example.com:8443/",
        "http://localhost:8585",
        "http://127.0.0.1",
        "http://[::1]:8585",
        "https://om.example.com/base/path",
    ],
)
def test_server_urls_accepted(url: str) -> None:
    assert validate_static(base_spec(oidc={"serverUrl": url, "callbackUrl": None})) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://om.example.com",
        "https://",
        "om.example.com",
        "https:om.example.com",
        "ftp://om.example.com",
        "http://localhost.evil.com",
        "https://om.example.com:port",
        "/relative",
        "HTTP://om.example.com",
    ],
)
def test_server_urls_rejected(url: str) -> None:
    reasons = [p.reason for p in validate_static(base_spec(oidc={"serverUrl": url, "callbackUrl": None}))]
    assert "InsecureURL" in reasons


# ----------------------------------------------------------------------------------------------------
# validate_manifest
# ----------------------------------------------------------------------------------------------------


def test_manifest_envelope() -> None:
    doc = copy.deepcopy(base_manifest())
    doc["apiVersion"] = "cognito-sso.dev/v1"
    doc["kind"] = "CognitoSso"
    doc["metadata"] = {"name": "Bad_Name"}
    fields = [p.field for p in validate_manifest(doc)]
    assert fields == ["apiVersion", "kind", "metadata.name"]
    doc["metadata"] = {}
    assert "metadata.name is required" in messages(validate_manifest(doc))
    assert [p.reason for p in validate_manifest([])] == ["InvalidManifest"]  # type: ignore[arg-type]
    missing_spec = {k: v for k, v in base_manifest().items() if k != "spec"}
    assert messages(validate_manifest(missing_spec)) == ["spec is required"]


# ----------------------------------------------------------------------------------------------------
# validate_live (a stub cache; the real cache against moto is in tests/integration)
# ----------------------------------------------------------------------------------------------------

AUTHORITY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF"
DOMAIN = "https://yourapp.auth.us-east-1.amazoncognito.com"


def _rsa_jwk() -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    return jwk


RSA_JWK = _rsa_jwk()


def discovery(**over: Any) -> Discovery:
    values: dict[str, Any] = {
        "issuer": AUTHORITY,
        "jwks_uri": f"{AUTHORITY}/.well-known/jwks.json",
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": f"{DOMAIN}/oauth2/token",
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
        "token_endpoint_auth_methods_supported": ("client_secret_basic", "client_secret_post"),
        "response_types_supported": ("code", "token"),
        "id_token_signing_alg_values_supported": ("RS256",),
        "jwks_keys": (RSA_JWK,),
        "fetched_at": 0.0,
    }
    values.update(over)
    return Discovery(**values)


class StubCache:
    def __init__(self, result: Discovery | DiscoveryError) -> None:
        self.result = result
        self.asked: list[str] = []

    async def get(self, authority: str) -> Discovery:
        self.asked.append(authority)
        if isinstance(self.result, DiscoveryError):
            raise self.result
        return self.result


async def test_live_ok() -> None:
    cache = StubCache(discovery())
    disc, problems = await validate_live(base_spec(), cache)  # type: ignore[arg-type]
    assert problems == []
    assert disc is cache.result
    assert cache.asked == [AUTHORITY]


async def test_live_fetch_error_is_one_problem() -> None:
    err = DiscoveryError(Reason.TIMEOUT, "fetching ... took longer than 5s", retryable=True)
    disc, problems = await validate_live(base_spec(), StubCache(err))  # type: ignore[arg-type]
    assert disc is None
    assert problems == [Problem("spec.authority", "DiscoveryTimeout", "fetching ... took longer than 5s")]


async def test_live_checks_map_to_fields() -> None:
    disc = discovery(
        issuer=AUTHORITY + "/",
        token_endpoint=None,
        token_endpoint_auth_methods_supported=("client_secret_post",),
        jwks_keys=(),
    )
    _, problems = await validate_live(base_spec(), StubCache(disc))  # type: ignore[arg-type]
    assert {(p.field, p.reason) for p in problems} == {
        ("spec.authority", "IssuerMismatch"),
        ("spec.authority", "PoolHasNoDomain"),
        ("spec.tokenValidationAlgorithm", "JWKSNoUsableKey"),
        ("spec.oidc.clientAuthenticationMethod", "AuthMethodNotSupported"),
    }


# ----------------------------------------------------------------------------------------------------
# check_app_client against moto (in process)
# ----------------------------------------------------------------------------------------------------

CALLBACK = "https://yourapp.company.com/callback"


@pytest.fixture
def cognito_idp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("cognito-idp", region_name="us-east-1")


def make_client(idp: Any, **over: Any) -> tuple[CognitoSSOSpec, str | None]:
    pool = idp.create_user_pool(PoolName="om")["UserPool"]["Id"]
    kwargs: dict[str, Any] = {
        "UserPoolId": pool,
        "ClientName": "om",
        "GenerateSecret": True,
        "CallbackURLs": [CALLBACK],
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
    }
    kwargs.update(over)
    app = idp.create_user_pool_client(**kwargs)["UserPoolClient"]
    authority = f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    spec = base_spec(
        authority=authority,
        publicKeyUrls=None,
        oidc={"clientId": app["ClientId"], "discoveryUri": None, "tenant": None},
    )
    return spec, app.get("ClientSecret")


def test_app_client_ok(cognito_idp: Any) -> None:
    spec, secret = make_client(cognito_idp)
    assert secret
    assert check_app_client(spec, secret, cognito_idp) == []
    assert check_app_client(spec, None, cognito_idp) == []


def test_app_client_stale_secret_never_shows_a_secret(cognito_idp: Any) -> None:
    spec, secret = make_client(cognito_idp)
    assert secret
    stale = "stale" + secret[5:][::-1]
    problems = check_app_client(spec, stale, cognito_idp)
    assert [(p.field, p.reason) for p in problems] == [("spec.oidc.clientSecretRef", "StaleClientSecret")]
    assert "Secret cognito-client, key clientSecret" in problems[0].message
    assert secret not in problems[0].message
    assert stale not in problems[0].message


def test_app_client_mismatches(cognito_idp: Any) -> None:
    spec, _ = make_client(
        cognito_idp,
        GenerateSecret=False,
        AllowedOAuthFlows=["implicit"],
        AllowedOAuthScopes=["openid", "email"],
        CallbackURLs=["https://other.example.com/callback"],
    )
    problems = check_app_client(spec, "whatever", cognito_idp)
    assert {p.reason for p in problems} == {
        "AppClientHasNoSecret",
        "CodeFlowNotAllowed",
        "ScopeNotAllowed",
        "CallbackNotRegistered",
    }
    scope = next(p for p in problems if p.reason == "ScopeNotAllowed")
    assert "profile, aws.cognito.signin.user.admin" in scope.message


def test_public_app_client_with_secret(cognito_idp: Any) -> None:
    spec, _ = make_client(cognito_idp)
    public = spec.model_copy(
        update={"client_type": "Public", "oidc": spec.oidc.model_copy(update={"client_secret_ref": None})}
    )
    assert [p.reason for p in check_app_client(public, None, cognito_idp)] == ["AppClientHasSecret"]


def test_app_client_not_found(cognito_idp: Any) -> None:
    spec, _ = make_client(cognito_idp)
    other = spec.model_copy(update={"oidc": spec.oidc.model_copy(update={"client_id": "nosuchclient"})})
    problems = check_app_client(other, None, cognito_idp)
    assert [(p.field, p.reason) for p in problems] == [("spec.oidc.clientId", "AppClientNotFound")]


def test_app_client_access_denied() -> None:
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    class Denied:
        def describe_user_pool_client(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeUserPoolClient")

    problems = check_app_client(base_spec(), "s3cr3t", Denied())
    assert [p.reason for p in problems] == ["AppClientCheckFailed"]
    assert "AccessDeniedException" in problems[0].message
    assert "cognito-idp:DescribeUserPoolClient" in problems[0].message


# ----------------------------------------------------------------------------------------------------
# the CLI command
# ----------------------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, docs: list[Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return str(path)


def test_cli_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "good.yaml", [g.manifest for g in GOOD])
    assert validate_files_command([path], online=False) == 0
    out = capsys.readouterr().out
    assert out == f"OK: {len(GOOD)} CognitoSSO object(s) valid\n"


def test_cli_reports_every_problem_with_file_doc_and_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = merge_patch(
        base_manifest(),
        {
            "metadata": {"name": "sso", "namespace": "om"},
            "spec": {"oidc": {"prompt": "none", "clientSecret": "a1b2c3d4e5f6g7h8"}},
        },
    )
    static_bad = merge_patch(base_manifest(), {"spec": {"oidc": {"scopes": ["email", "groups"]}}})
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    path = _write(tmp_path, "bad.yaml", [base_manifest(), other, bad, static_bad])
    assert validate_files_command([path], online=False) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{path}:3 om/sso: {PROMPT_MESSAGE}",
        f"{path}:3 om/sso: spec.oidc.clientSecret is not a known field (did you mean clientSecretRef?)",
        f"{path}:4 seed-summary: spec.oidc.scopes must include openid",
        f"{path}:4 seed-summary: spec.oidc.scopes: 'groups' is not a Cognito scope (Cognito answers "
        "invalid_scope); remove it, group membership arrives in the cognito:groups claim",
    ]
    assert "2 of 3 CognitoSSO object(s) invalid" in captured.err
    assert "a1b2c3d4e5f6g7h8" not in captured.out + captured.err


def test_cli_stdin_and_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(yaml.safe_dump(base_manifest())))
    assert cli.main(["validate", "-f", "-"]) == 0
    assert capsys.readouterr().out.startswith("OK: 1 ")
    bad = merge_patch(base_manifest(), {"spec": {"oidc": {"prompt": "consent"}}})
    monkeypatch.setattr(sys, "stdin", io.StringIO(yaml.safe_dump(bad)))
    assert cli.main(["validate", "-f", "-"]) == 1
    assert capsys.readouterr().out == f"<stdin>:1 seed-summary: {PROMPT_MESSAGE}\n"


def test_cli_unreadable_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec:\n  oidc: {clientSecret: hunter2hunter2\n", encoding="utf-8")
    assert validate_files_command([str(broken)], online=False) == 1
    err = capsys.readouterr().err
    assert "invalid YAML" in err
    assert "hunter2hunter2" not in err
    assert validate_files_command([str(tmp_path / "missing.yaml")], online=False) == 1
    assert "cannot read the file" in capsys.readouterr().err
    empty = _write(tmp_path, "cm.yaml", [{"apiVersion": "v1", "kind": "ConfigMap"}])
    assert validate_files_command([empty], online=False) == 1
    assert "no CognitoSSO document found" in capsys.readouterr().err


@respx.mock(assert_all_mocked=True)
def test_cli_online_uses_discovery(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("COGNITO_SSO_COGNITO_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("COGNITO_SSO_AWS_CHECK", raising=False)
    doc = {
        "issuer": AUTHORITY,
        "jwks_uri": f"{AUTHORITY}/.well-known/jwks.json",
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "response_types_supported": ["code", "token"],
    }
    respx_mock.get(f"{AUTHORITY}/.well-known/openid-configuration").mock(
        side_effect=lambda _: httpx.Response(200, json=doc)
    )
    respx_mock.get(f"{AUTHORITY}/.well-known/jwks.json").mock(
        return_value=httpx.Response(200, json={"keys": [RSA_JWK]})
    )
    path = _write(tmp_path, "good.yaml", [base_manifest()])
    assert validate_files_command([path], online=True) == 1  # the document has no OAuth endpoints
    out = capsys.readouterr().out
    assert out.startswith(f"{path}:1 seed-summary: spec.authority: the user pool has no domain")

    doc.update(
        {
            "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
            "token_endpoint": f"{DOMAIN}/oauth2/token",
            "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
        }
    )
    assert validate_files_command([path], online=True) == 0
    assert capsys.readouterr().out == "OK: 1 CognitoSSO object(s) valid (online checks included)\n"
