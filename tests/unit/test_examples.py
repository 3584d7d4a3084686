"""examples/: every CognitoSSO passes `cognito-sso-operator validate`, and the GitOps wiring (ESO label,
Flux health checks, HelmRelease valuesFrom) points at the names the operator actually writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cognito_sso_operator.cli import main
from cognito_sso_operator.settings import ROTATION_LABEL

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CSSO_FILES = sorted(p for p in EXAMPLES.rglob("*.yaml")
                    if any(d and d.get("kind") == "CognitoSSO" for d in yaml.safe_load_all(p.read_text())))


def docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((EXAMPLES / name).read_text()) if d]


def test_expected_examples_exist() -> None:
    names = {p.relative_to(EXAMPLES).as_posix() for p in CSSO_FILES}
    assert {"minimal.yaml", "full.yaml", "public-client.yaml", "rotation-eso.yaml", "cognitosso.yaml"} <= names


@pytest.mark.parametrize("path", CSSO_FILES, ids=[p.name for p in CSSO_FILES])
def test_example_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(path)]) == 0, capsys.readouterr().out


def test_full_example_sets_every_seed_field() -> None:
    spec = docs("full.yaml")[0]["spec"]
    top = {"providerName", "clientType", "authority", "publicKeyUrls", "tokenValidationAlgorithm",
           "jwtPrincipalClaims", "jwtPrincipalClaimsMapping"}
    oidc = {"clientId", "clientSecretRef", "scopes", "discoveryUri", "useNonce", "preferredJwsAlgorithm",
            "responseType", "disablePkce", "maxClockSkewSeconds", "clientAuthenticationMethod",
            "tokenValiditySeconds", "tenant", "serverUrl", "callbackUrl", "maxAgeSeconds", "prompt",
            "sessionExpirySeconds"}
    authorizer = {"adminPrincipals", "principalDomain", "enforcePrincipalDomain", "enableSecureSocketConnection"}
    assert top <= set(spec)
    assert oidc <= set(spec["oidc"])
    assert authorizer <= set(spec["authorizer"])
    assert spec["jwtPrincipalClaimsMapping"] == ["username:preferred_username", "email:email"]


def test_public_client_has_no_secret() -> None:
    spec = docs("public-client.yaml")[0]["spec"]
    assert spec["clientType"] == "Public"
    assert "clientSecretRef" not in spec["oidc"]


def test_eso_writes_the_watched_secret() -> None:
    external, csso = docs("rotation-eso.yaml")
    assert external["kind"] == "ExternalSecret"
    target = external["spec"]["target"]
    assert target["template"]["metadata"]["labels"] == {ROTATION_LABEL: "true"}
    ref = csso["spec"]["oidc"]["clientSecretRef"]
    assert target["name"] == ref["name"]
    assert ref["key"] in {d["secretKey"] for d in external["spec"]["data"]}
    assert external["metadata"]["namespace"] == csso["metadata"]["namespace"]


def test_flux_kustomization_health_checks_the_cognitosso() -> None:
    (ks,) = docs("flux/kustomization.yaml")
    assert ks["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1"
    checks = ks["spec"]["healthChecks"]
    assert {"apiVersion": "cognito-sso.dev/v1alpha1", "kind": "CognitoSSO", "name": "openmetadata-sso",
            "namespace": "openmetadata"} in checks


def test_flux_helmrelease_reads_the_rendered_values() -> None:
    release = next(d for d in docs("flux/helmrelease-openmetadata.yaml") if d["kind"] == "HelmRelease")
    helm_values = docs("full.yaml")[0]["spec"]["target"]["helmValues"]
    assert release["spec"]["valuesFrom"] == [{"kind": helm_values["kind"], "name": helm_values["name"],
                                              "valuesKey": helm_values["key"]}]
    assert release["spec"]["chart"]["spec"]["chart"] == "openmetadata"
    values = release["spec"].get("values") or {}
    assert "authentication" not in (values.get("openmetadata", {}).get("config", {}))


def test_namespaced_values_file_matches_chart_schema() -> None:
    import json

    import jsonschema

    schema = json.loads((ROOT / "helm" / "cognito-sso-operator" / "values.schema.json").read_text())
    defaults = yaml.safe_load((ROOT / "helm" / "cognito-sso-operator" / "values.yaml").read_text())
    override = yaml.safe_load((EXAMPLES / "values-namespaced.yaml").read_text())
    merged = {**defaults, "watch": {**defaults["watch"], **override["watch"]}}
    assert set(override) == {"watch"}
    jsonschema.validate(merged, schema)
    assert merged["watch"]["allNamespaces"] is False
