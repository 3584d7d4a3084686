"""Rendered Helm values validate against the official OpenMetadata chart 1.13.1 values.schema.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from jsonschema.validators import validator_for

from cognito_sso_operator import render
from cognito_sso_operator.spec import CognitoSSOSpec

REPO = Path(__file__).resolve().parents[2]
SCHEMA_NAME = "openmetadata-chart-1.13.1.values.schema.json"
SCHEMA_PATH = REPO / "tests" / "data" / SCHEMA_NAME  # copied into the repo; CI needs nothing beside it

AUTHORITY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF"


def _minimal() -> dict[str, Any]:
    return {
        "authority": AUTHORITY,
        "oidc": {
            "clientId": "CLIENTID",
            "clientSecretRef": {"name": "cognito-client"},
            "serverUrl": "https://om.example.com",
        },
        "authorizer": {"adminPrincipals": ["alice@example.com"], "principalDomain": "example.com"},
    }


def _public() -> dict[str, Any]:
    d = _minimal()
    d["clientType"] = "Public"
    del d["oidc"]["clientSecretRef"]
    return d


def _confidential() -> dict[str, Any]:
    d = _minimal()
    d["target"] = {"helmValues": {"name": "om-values"}}
    return d


def _full() -> dict[str, Any]:
    d = _minimal()
    d.update(
        providerName="Company Cognito",
        tokenValidationAlgorithm="RS512",
        jwtPrincipalClaimsMapping=["username:preferred_username", "email:email"],
        publicKeyUrls=[f"{AUTHORITY}/.well-known/jwks.json"],
        target={"kind": "StatefulSet", "name": "om", "helmValues": {"kind": "ConfigMap", "name": "v"}},
    )
    d["oidc"].update(
        useNonce=False,
        disablePkce=True,
        maxClockSkewSeconds=30,
        maxAgeSeconds=600,
        tokenValiditySeconds=7200,
        sessionExpirySeconds=3600,
        prompt="login",
        clientAuthenticationMethod="client_secret_post",
        callbackUrl="https://om.example.com/cb",
        tenant="us-east-1_ABC123DEF",
        scopes=["openid", "email"],
    )
    d["authorizer"].update(enforcePrincipalDomain=True, enableSecureSocketConnection=True)
    return d


CASES = {"confidential": _confidential, "public": _public, "full": _full, "minimal": _minimal}


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema, default=Draft7Validator)  # "$schema": "http://json-schema.org/schema#"
    cls.check_schema(schema)
    return cls(schema)


def _values(case: str) -> dict[str, Any]:
    spec = CognitoSSOSpec.model_validate(CASES[case]())
    return render.render("sso", spec, "s3cr3t").helm_values


def _errors(validator: Any, values: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)]


def test_schema_copy_matches_reference_when_available() -> None:
    ref = REPO.parent / "shared" / "reference" / SCHEMA_NAME
    if not ref.is_file():
        pytest.skip("reference schema not checked out beside the repo")
    assert json.loads(ref.read_text(encoding="utf-8")) == json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_schema_is_strict_where_we_write() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cfg = schema["properties"]["openmetadata"]["properties"]["config"]
    auth = cfg["properties"]["authentication"]
    assert auth["additionalProperties"] is False
    assert auth["properties"]["oidcConfiguration"]["additionalProperties"] is False
    assert cfg["properties"]["authorizer"]["additionalProperties"] is False


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_values_validate(case: str, validator: Any) -> None:
    assert _errors(validator, _values(case)) == []


def test_confidential_values_shape() -> None:
    oidc = _values("full")["openmetadata"]["config"]["authentication"]["oidcConfiguration"]
    # Types the chart schema insists on.
    assert oidc["useNonce"] is False
    assert oidc["disablePkce"] is True
    assert (oidc["maxClockSkew"], oidc["maxAge"], oidc["tokenValidity"], oidc["sessionExpiry"]) == (
        "30", "600", "7200", "3600",
    )
    assert oidc["customParams"] == "{}"


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("authentication", "provider"), "cognito"),
        (("authentication", "clientType"), "Confidential"),
        (("authentication", "oidcConfiguration", "useNonce"), "true"),
        (("authentication", "oidcConfiguration", "disablePkce"), "false"),
        (("authentication", "oidcConfiguration", "tokenValidity"), 3600),
        (("authentication", "oidcConfiguration", "maxAge"), 0),
        (("authentication", "oidcConfiguration", "prompt"), "login"),  # yaml key name, not the chart's
        (("authentication", "tokenValidationAlgorithm"), "RS256"),  # no chart value for it
        (("authentication", "providerName"), "Cognito"),  # no chart value for it
        (("authorizer", "className"), "com.example.Authorizer"),
        (("authorizer", "adminPrincipals"), ["alice"]),  # the chart calls it initialAdmins
    ],
)
def test_validator_rejects_bad_values(path: tuple[str, ...], bad: Any, validator: Any) -> None:
    values = copy.deepcopy(_values("confidential"))
    node = values["openmetadata"]["config"]
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = bad
    assert _errors(validator, values), f"schema accepted {path}={bad!r}"


def test_public_values_have_no_secret_refs() -> None:
    auth = _values("public")["openmetadata"]["config"]["authentication"]
    assert auth["oidcConfiguration"] == {"enabled": False}
    assert auth["clientType"] == "public"
