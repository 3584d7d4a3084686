"""The leak check can fail: the scanner of tests/secrets_registry.py flags a planted secret in every place the
integration leak check looks (Events, ConfigMaps, CognitoSSO status, operator-written Secrets such as Helm
values, logs, metrics), in the spellings it could take there, and leaves alone the two places a client secret
may live (the Secret the user wrote, OIDC_CLIENT_SECRET of the operator's credentials Secret)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests import secrets_registry as reg

pytestmark = pytest.mark.reliability

SECRET = "planted-Secret-v4lue-7Hq2"
OTHER = "another-secret-value-0042"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(name: str, data: dict[str, str], *, operator: bool, controller: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "managedFields": [
        {"manager": reg.OPERATOR_MANAGER if operator else "kubectl-client-side-apply"}]}
    if controller:
        meta["ownerReferences"] = [{"kind": "CognitoSSO", "name": "sso", "uid": "u1", "controller": True}]
    return {"metadata": meta, "data": {k: _b64(v) for k, v in data.items()}}


def _cr(status_message: str = "ok") -> dict[str, Any]:
    return {"metadata": {"name": "sso"}, "spec": {"oidc": {"clientSecretRef": {"name": "cognito-client"}}},
            "status": {"conditions": [{"type": "Ready", "message": status_message}]}}


def _clean_namespace() -> dict[str, list[dict[str, Any]]]:
    return {
        "Secret": [
            _secret("cognito-client", {"clientSecret": SECRET}, operator=False),
            _secret("sso-sso-credentials", {"OIDC_CLIENT_ID": "abc", "OIDC_CLIENT_SECRET": SECRET},
                    operator=True, controller=True),
        ],
        "ConfigMap": [{"metadata": {"name": "sso-sso-env"}, "data": {"OIDC_CLIENT_AUTH_METHOD": '"basic"'}}],
        "Event": [{"metadata": {"name": "e1"}, "reason": "Rendered", "message": "Wrote ConfigMap/sso-sso-env"}],
        "CognitoSSO": [_cr()],
    }


def _leaks(objects: dict[str, list[dict[str, Any]]]) -> list[reg.Leak]:
    return reg.scan(reg.objects_to_artefacts("ns", objects), [SECRET])


def test_the_allowed_homes_of_a_secret_are_not_leaks() -> None:
    objects = _clean_namespace()
    assert _leaks(objects) == []
    assert reg.referenced_secret_values(objects["Secret"], objects["CognitoSSO"]) == [SECRET]


@pytest.mark.parametrize("plant", [
    "event-message", "configmap-value", "configmap-base64", "status-message", "status-json-escaped",
    "helm-values-secret", "credentials-wrong-key", "credentials-annotation", "credentials-not-controlled",
])
def test_a_planted_secret_is_flagged(plant: str) -> None:
    objects = _clean_namespace()
    if plant == "event-message":
        objects["Event"].append({"metadata": {"name": "e2"}, "message": f"could not use {SECRET}"})
    elif plant == "configmap-value":
        objects["ConfigMap"][0]["data"]["OIDC_CLIENT_SECRET"] = json.dumps(SECRET)
    elif plant == "configmap-base64":
        objects["ConfigMap"][0]["data"]["blob"] = _b64("prefix:" + SECRET + ":suffix")
    elif plant == "status-message":
        objects["CognitoSSO"] = [_cr(f"secret {SECRET} rejected")]
    elif plant == "status-json-escaped":
        weird = SECRET + '"\\'
        objects["CognitoSSO"] = [_cr(f"secret {weird}")]
    elif plant == "helm-values-secret":
        values = f"openmetadata:\n  config:\n    clientSecret: {SECRET}\n"
        objects["Secret"].append(_secret("om-values", {"values.yaml": values}, operator=True, controller=True))
    elif plant == "credentials-wrong-key":
        objects["Secret"][1]["data"]["OIDC_CLIENT_ID"] = _b64(SECRET)
    elif plant == "credentials-annotation":
        objects["Secret"][1]["metadata"]["annotations"] = {"debug": SECRET}
    elif plant == "credentials-not-controlled":
        objects["Secret"][1] = _secret("sso-sso-credentials", {"OIDC_CLIENT_ID": "abc", "OIDC_CLIENT_SECRET": SECRET},
                                       operator=True, controller=False)
    leaks = _leaks(objects)
    assert leaks, f"the scanner missed a secret planted in {plant}"
    assert all(SECRET not in str(leak) for leak in leaks), "a leak report must not print the secret itself"


def test_logs_and_metrics_are_scanned(tmp_path: Path) -> None:
    clean = tmp_path / "operator-1.log"
    clean.write_text('{"message": "reconciled: Reconciled"}\n')
    dirty = tmp_path / "operator-2.log"
    dirty.write_text(f'{{"message": "boom", "exception": "KeyError: \'{SECRET}\'"}}\n')
    count, leaks = reg.scan_files([clean, dirty], [SECRET, OTHER])
    assert count == 2
    assert [leak.where for leak in leaks] == [str(dirty)]
    metrics = reg.Artefact("metrics", f'cognito_sso_x{{secret="{OTHER}"}} 1\n')
    assert reg.scan([metrics], [SECRET, OTHER])


def test_every_base64_alignment_is_found() -> None:
    for prefix in ("", "a", "ab", "abc"):
        blob = _b64(prefix + SECRET + "tail")
        assert reg.scan([reg.Artefact("x", blob)], [SECRET]), prefix


def test_short_values_are_not_registered() -> None:
    before = reg.values()
    reg.remember("short")
    assert reg.values() == before
