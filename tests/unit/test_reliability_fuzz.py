"""Every spec field fuzzed through `validate.parse_spec` / `validate_static` and `render.render`.

The property, for any input: either a clean validation result (a non-empty list of `Problem`s that name a field
and never echo the value), or a rendering whose every ConfigMap value is one line of printable ASCII that
decodes (JSON, and YAML the way OpenMetadata substitutes it) back to exactly the value the spec asked for.
Never an exception, never a control character or newline in the output.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cognito_sso_operator import render
from cognito_sso_operator import spec as spec_module
from cognito_sso_operator.crd import spec_schema
from cognito_sso_operator.render import RenderError
from cognito_sso_operator.validate import Problem, parse_spec, validate_static
from tests import reliability_stats

pytestmark = pytest.mark.reliability

AUTHORITY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF"
SECRET = "fuzz-secret-Value-9q8w7e6r5t"
ONE_LINE = re.compile(r"[\x20-\x7e]*")
DELETE = object()

# Every field of the CRD spec (camelCase paths).
FIELDS = [
    "providerName", "clientType", "authority", "publicKeyUrls", "tokenValidationAlgorithm", "jwtPrincipalClaims",
    "jwtPrincipalClaimsMapping",
    "oidc", "oidc.clientId", "oidc.clientSecretRef", "oidc.clientSecretRef.name", "oidc.clientSecretRef.key",
    "oidc.scopes", "oidc.discoveryUri", "oidc.useNonce", "oidc.preferredJwsAlgorithm", "oidc.responseType",
    "oidc.disablePkce", "oidc.maxClockSkewSeconds", "oidc.clientAuthenticationMethod", "oidc.tokenValiditySeconds",
    "oidc.tenant", "oidc.serverUrl", "oidc.callbackUrl", "oidc.maxAgeSeconds", "oidc.prompt",
    "oidc.sessionExpirySeconds",
    "authorizer", "authorizer.adminPrincipals", "authorizer.principalDomain", "authorizer.enforcePrincipalDomain",
    "authorizer.enableSecureSocketConnection",
    "target", "target.kind", "target.deploymentName", "target.name", "target.configMapName",
    "target.credentialsSecretName", "target.helmValues", "target.helmValues.kind", "target.helmValues.name",
    "target.helmValues.key", "target.restartPolicy", "target.storedConfig", "target.serviceUrl",
]

HOSTILE_STRINGS = [
    "", " ", "{", "}", "[", ": ", " #", "# comment", "- item", "? key", "&anchor", "*alias",
    "!!python/object:os.system", "!tag", "%YAML 1.1", "---", "...", "|", ">", "null", "~", "yes", "no", "on",
    "0x1f", "1e3", "0o17", ".inf",
    "'", '"', "\\", "\\n", "${ENV}", "$(whoami)", "`id`", "<script>", "a: b", "a #b", "key: {nested: [1, 2]}",
    "line1\nline2", "tab\there", "nul\x00", "esc\x1b[31m", "del\x7f", "nel\x85", "ls\u2028ps\u2029", "bom\ufeff",
    "Ünïcödé — 中文 ☃", "😀 astral", "\u202eRTL override", "a" * 257, "b" * 2049, "é" * 300,
    "https://om.example.com", "https://om.example.com/", "http://localhost:8585", "https://om.example.com/x?y=1#z",
    "https://user:pass@om.example.com", "https://om.example.com:8443", "https://other.example.com/callback",
    "openid", "email", "profile", "groups", "offline_access", "rs/scope", "username:sub", "email:email",
    "cognito:username", "admin@example.com", "Admin@Example.COM", "@example.com", "example.com", "EXAMPLE.com",
    "Deployment", "StatefulSet", "Secret", "ConfigMap", "Public", "Confidential", "code", "id_token", "RS256",
    "RS512", "HS256", "client_secret_post", "login", "select_account", "consent", "none", "Never", "Reset",
    "cognito-client", "sso-sso-env", "Bad_Name", "values.yaml", "us-east-1_ABC123DEF",
    AUTHORITY, AUTHORITY + "/", AUTHORITY + "/.well-known/jwks.json", AUTHORITY + "/.well-known/openid-configuration",
    "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_ABC123DEF",
]

strings = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=64),
                    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=300))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 3600, 31_536_000, 31_536_001, 2**31, 2**63]), st.floats(allow_nan=True),
    strings,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=34), st.dictionaries(st.one_of(st.sampled_from(
        ["name", "key", "kind", "namespace", "extra"]), st.text(max_size=8)), inner, max_size=4)),
    max_leaves=40,
)
hostile = st.one_of(values, st.just(DELETE), st.lists(st.sampled_from(HOSTILE_STRINGS), min_size=1, max_size=40))


def base_spec() -> dict[str, Any]:
    return {
        "authority": AUTHORITY,
        "oidc": {"clientId": "CLIENTID", "clientSecretRef": {"name": "cognito-client"},
                 "serverUrl": "https://om.example.com"},
        "authorizer": {"adminPrincipals": ["alice@example.com"], "principalDomain": "example.com"},
    }


def mutate(spec: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node: Any = spec
    *parents, leaf = path.split(".")
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if value is DELETE:
        node.pop(leaf, None)
    else:
        node[leaf] = copy.deepcopy(value)  # later mutations must not change the drawn value
    return spec


def prune(value: Any) -> Any:
    """What the apiserver (and parse_spec) does with nulls: dropped."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings_in(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def intended_env(raw: dict[str, Any]) -> dict[str, Any]:
    """The value each ConfigMap key must decode to, computed from the raw spec (not from the model)."""
    oidc, authz = raw["oidc"], raw["authorizer"]
    server = oidc["serverUrl"].rstrip("/")
    callback = oidc.get("callbackUrl") or f"{server}/callback"
    admins: list[str] = []
    for p in authz["adminPrincipals"]:
        name = p.split("@", 1)[0].lower() if "@" in p else p
        if name not in admins:
            admins.append(name)
    out: dict[str, Any] = {
        "AUTHENTICATION_PROVIDER": "aws-cognito",
        "CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME": raw.get("providerName", "Cognito"),
        "AUTHENTICATION_CLIENT_TYPE": raw.get("clientType", "Confidential").lower(),
        "AUTHENTICATION_AUTHORITY": raw["authority"],
        "AUTHENTICATION_PUBLIC_KEYS": raw.get("publicKeyUrls") or [
            f"{raw['authority']}/.well-known/jwks.json", f"{server}/api/v1/system/config/jwks"],
        "AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM": raw.get("tokenValidationAlgorithm", "RS256"),
        "AUTHENTICATION_CLIENT_ID": oidc["clientId"],
        "AUTHENTICATION_RESPONSE_TYPE": oidc.get("responseType", "code"),
        "AUTHENTICATION_CALLBACK_URL": callback,
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS": raw.get("jwtPrincipalClaims", ["email", "cognito:username", "sub"]),
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING": raw.get("jwtPrincipalClaimsMapping", []),
        "AUTHORIZER_ADMIN_PRINCIPALS": admins,
        "AUTHORIZER_PRINCIPAL_DOMAIN": authz["principalDomain"],
        "AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN": str(authz.get("enforcePrincipalDomain", False)).lower(),
        "AUTHORIZER_ENABLE_SECURE_SOCKET": str(authz.get("enableSecureSocketConnection", False)).lower(),
    }
    if raw.get("clientType", "Confidential") == "Confidential":
        def seconds(key: str, default: int | None) -> str:
            value = oidc.get(key, default)
            return "" if value is None else str(value)

        out.update({
            "OIDC_TYPE": "aws-cognito",
            "OIDC_SCOPE": " ".join(oidc.get("scopes", ["openid", "email", "profile"])),
            "OIDC_DISCOVERY_URI": oidc.get("discoveryUri") or f"{raw['authority']}/.well-known/openid-configuration",
            "OIDC_USE_NONCE": str(oidc.get("useNonce", True)).lower(),
            "OIDC_PREFERRED_JWS": oidc.get("preferredJwsAlgorithm", "RS256"),
            "OIDC_RESPONSE_TYPE": oidc.get("responseType", "code"),
            "OIDC_DISABLE_PKCE": str(oidc.get("disablePkce", False)).lower(),
            "OIDC_MAX_CLOCK_SKEW": seconds("maxClockSkewSeconds", None),
            "OIDC_CLIENT_AUTH_METHOD": oidc.get("clientAuthenticationMethod", "client_secret_basic"),
            "OIDC_OM_REFRESH_TOKEN_VALIDITY": seconds("tokenValiditySeconds", 3600),
            "OIDC_TENANT": oidc.get("tenant") or raw["authority"].rsplit("/", 1)[1],
            "OIDC_SERVER_URL": server,
            "OIDC_CALLBACK": callback,
            "OIDC_MAX_AGE": seconds("maxAgeSeconds", None),
            "OIDC_PROMPT_TYPE": oidc.get("prompt", "select_account"),
            "OIDC_SESSION_EXPIRY": seconds("sessionExpirySeconds", 604800),
            "OIDC_CUSTOM_PARAMS": {},
        })
    return out


def _enum_words(node: Any) -> set[str]:
    if isinstance(node, dict):
        return {str(v) for v in node.get("enum") or []} | {w for v in node.values() for w in _enum_words(v)}
    if isinstance(node, list):
        return {w for v in node for w in _enum_words(v)}
    return set()


ENUM_WORDS = _enum_words(spec_schema())  # messages may list the allowed values


# Text that the rules' messages contain whatever the input (a fuzzed value equal to it is not an echo).
_FIXED_MESSAGE_TEXT = " ".join(
    [r.message for r in (*spec_module.SPEC_RULES, *spec_module.OIDC_RULES, *spec_module.TARGET_RULES,
                         *spec_module.ROOT_RULES)] + [spec_module.PROMPT_MESSAGE])


def assert_clean_problems(problems: list[Problem], injected: list[Any]) -> None:
    assert problems
    echoed = [s for s in strings_in(injected) if len(s) >= 16 and s not in ENUM_WORDS]
    for p in problems:
        assert isinstance(p, Problem)
        assert p.field.startswith("spec") or p.field == "metadata.name", p
        assert re.fullmatch(r"[A-Z][A-Za-z]+", p.reason), p
        assert p.message, p
        assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in p.message), p
        for value in echoed:
            if value in _FIXED_MESSAGE_TEXT:
                continue  # e.g. "cognito:username" is named by the mapping rule's own message
            assert value not in p.message, f"{p.field}: the message echoes the value"


def check_spec(raw: Any, injected: list[Any], secret: str = SECRET, name: str = "sso") -> str:
    """The property; returns which way the input went ("problems" or "rendered")."""
    spec, problems = parse_spec(raw)
    if spec is None:
        assert_clean_problems(problems, injected)
        return "problems"
    assert problems == []
    problems = validate_static(spec, name=name)
    if problems:
        assert_clean_problems(problems, injected)
        return "problems"
    rendered = render.render(name, spec, secret)
    intended = intended_env(prune(raw))
    assert set(rendered.env) == set(intended)
    for key, value in rendered.env.items():
        assert ONE_LINE.fullmatch(value), f"{key} is not one printable ASCII line: {value!r}"
        assert json.loads(value) == intended[key], key
        # OpenMetadata pastes the value into its YAML config text before parsing it. (PyYAML does not join
        # escaped surrogate pairs, SnakeYAML does: astral characters are checked through JSON only.)
        if all(ord(c) <= 0xFFFF for s in strings_in(intended[key]) for c in s):
            assert yaml.safe_load(f"key: {value}\nnext: 1\n") == {"key": intended[key], "next": 1}, key
    cm = render.build_config_map(rendered, "ns", None)
    assert cm["data"] == dict(sorted(rendered.env.items()))
    assert yaml.safe_load(render.helm_values_yaml(rendered)) == rendered.helm_values
    creds = render.build_credentials_secret(rendered, "ns", None)
    if spec.is_confidential:
        assert creds is not None
        assert base64.b64decode(creds["data"]["OIDC_CLIENT_SECRET"]).decode() == secret
        assert secret not in json.dumps(cm)
        assert secret not in render.helm_values_yaml(rendered)
    return "rendered"


_outcomes: dict[str, int] = {}


def _count(outcome: str) -> None:
    _outcomes[outcome] = _outcomes.get(outcome, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _record_counts() -> Any:
    yield
    reliability_stats.bad_inputs("fuzz: spec -> validation problems", _outcomes.get("problems", 0))
    reliability_stats.bad_inputs("fuzz: spec -> safe rendering", _outcomes.get("rendered", 0))
    reliability_stats.bad_inputs("fuzz: client secret", _outcomes.get("secret", 0))


@pytest.mark.parametrize("path", FIELDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=hostile)
def test_every_field_fuzzed(path: str, value: Any) -> None:
    _count(check_spec(mutate(base_spec(), path, value), [value]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(st.tuples(st.sampled_from(FIELDS), hostile), min_size=2, max_size=6))
def test_several_fields_fuzzed_together(mutations: list[tuple[str, Any]]) -> None:
    spec = base_spec()
    for path, value in mutations:
        spec = mutate(spec, path, value)
    _count(check_spec(spec, [v for _, v in mutations]))


_plausible = {
    "providerName": strings, "jwtPrincipalClaims": st.lists(strings, min_size=1, max_size=32),
    "authorizer.adminPrincipals": st.lists(strings, min_size=1, max_size=32),
    "oidc.prompt": st.sampled_from(["", "login", "select_account"]),
    "oidc.callbackUrl": st.sampled_from(["https://om.example.com/cb?x=1", "https://om.example.com/%7Bcb%7D"]),
    "publicKeyUrls": st.lists(st.sampled_from([AUTHORITY + "/.well-known/jwks.json", "https://om.example.com/j",
                                               "https://om.example.com/a b", "https://om.example.com/{x}"]),
                              min_size=1, max_size=32),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_free_text_fields_render_safely(data: st.DataObject) -> None:
    """The fields that take free text, filled with values validation accepts, always render safely."""
    spec, injected = base_spec(), []
    for path, strategy in _plausible.items():
        if data.draw(st.booleans()):
            injected.append(data.draw(strategy))
            spec = mutate(spec, path, injected[-1])
    _count(check_spec(spec, injected))


@settings(max_examples=200, deadline=None)
@given(secret=st.one_of(st.text(max_size=300), st.sampled_from(HOSTILE_STRINGS)))
def test_hostile_client_secret(secret: str) -> None:
    spec, _ = parse_spec(base_spec())
    assert spec is not None
    try:
        rendered = render.render("sso", spec, secret)
    except RenderError as exc:
        message = str(exc)
        _count("secret")
        assert len(secret) < 4 or secret not in message, "the error echoes the secret"
        return
    creds = render.build_credentials_secret(rendered, "ns", None)
    assert creds is not None
    assert base64.b64decode(creds["data"]["OIDC_CLIENT_SECRET"]).decode("utf-8") == secret
    assert all(ONE_LINE.fullmatch(v) for v in rendered.env.values())
    _count("secret")


@pytest.mark.parametrize("raw", [None, "", "spec", 0, 1.5, float("nan"), [], [{}], {"": None}, {"spec": {}},
                                 {"oidc": None, "authorizer": None, "authority": None}])
def test_not_a_spec_at_all(raw: Any) -> None:
    _count(check_spec(raw, [raw]))
