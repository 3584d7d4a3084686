"""Restart decisions and the reset Job are pure functions over plain dicts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cognito_sso_operator import rollout
from cognito_sso_operator.settings import CONFIG_HASH_ANNOTATION

OWNER = {"apiVersion": "cognito-sso.dev/v1alpha1", "kind": "CognitoSSO",
         "metadata": {"name": "sso", "uid": "u-1", "namespace": "om"}}


def _deployment(hash_: str | None = None, **status: int) -> dict[str, Any]:
    annotations = {CONFIG_HASH_ANNOTATION: hash_} if hash_ else {}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "openmetadata", "namespace": "om", "generation": 2},
        "spec": {"replicas": 2, "template": {"metadata": {"annotations": annotations}, "spec": {
            "serviceAccountName": "om", "containers": [{
                "name": "server", "image": "openmetadata/server:1.13.1",
                "env": [{"name": "DB_HOST", "value": "mysql"}],
                "envFrom": [{"configMapRef": {"name": "sso-sso-env"}}],
                "ports": [{"containerPort": 8585}],
                "livenessProbe": {"httpGet": {"path": "/", "port": 8585}},
            }]}}},
        "status": status,
    }


def test_hash_patch_touches_only_the_annotation() -> None:
    patch = rollout.build_hash_patch(_deployment("old"), "new")
    assert patch == {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "openmetadata", "namespace": "om"},
        "spec": {"template": {"metadata": {"annotations": {CONFIG_HASH_ANNOTATION: "new"}}}},
    }
    assert rollout.current_hash(_deployment("old")) == "old"
    assert rollout.current_hash(_deployment()) is None


@pytest.mark.parametrize(("status", "complete"), [
    ({"observedGeneration": 1, "updatedReplicas": 2, "availableReplicas": 2, "replicas": 2}, False),
    ({"observedGeneration": 2, "updatedReplicas": 1, "availableReplicas": 2, "replicas": 3}, False),
    ({"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 1, "replicas": 2}, False),
    ({"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 2, "replicas": 3}, False),
    ({"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 2, "replicas": 2}, True),
])
def test_rollout_state(status: dict[str, int], complete: bool) -> None:
    assert rollout.rollout_state(_deployment("h", **status), "h")[0] is complete
    assert rollout.rollout_state(_deployment("other", **status), "h")[0] is False


def test_reset_job_reuses_pod_template_and_runs_the_ops_command() -> None:
    job = rollout.build_reset_job(_deployment("h"), "sso", "0123456789abcdef", OWNER)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["./bootstrap/openmetadata-ops.sh", "remove-security-config", "--force"]
    assert container["image"] == "openmetadata/server:1.13.1"
    assert container["envFrom"] == [{"configMapRef": {"name": "sso-sso-env"}}]
    assert container["env"] == [{"name": "DB_HOST", "value": "mysql"}]
    assert "livenessProbe" not in container
    assert "ports" not in container
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == "om"
    assert job["metadata"]["name"] == "sso-sso-reset-0123456789"
    assert job["metadata"]["ownerReferences"][0]["uid"] == "u-1"


@pytest.mark.parametrize(("status", "state"), [
    ({}, "Running"),
    ({"active": 1}, "Running"),
    ({"succeeded": 1}, "Succeeded"),
    ({"conditions": [{"type": "Complete", "status": "True"}]}, "Succeeded"),
    ({"conditions": [{"type": "Failed", "status": "True"}]}, "Failed"),
])
def test_job_state(status: dict[str, Any], state: str) -> None:
    assert rollout.job_state({"status": status}) == state


def test_app_drift_names_each_difference() -> None:
    env = {
        "AUTHENTICATION_PROVIDER": json.dumps("aws-cognito"),
        "AUTHENTICATION_AUTHORITY": json.dumps("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A"),
        "AUTHENTICATION_CLIENT_ID": json.dumps("cid"),
        "AUTHENTICATION_CALLBACK_URL": json.dumps("https://om.example.com/callback"),
        "AUTHENTICATION_PUBLIC_KEYS": json.dumps(["a", "b"]),
    }
    served = {"provider": "aws-cognito", "authority": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A",
              "clientId": "cid", "callbackUrl": "https://om.example.com/callback", "publicKeyUrls": ["b", "a"]}
    assert rollout.app_drift(served, env) == []
    drift = rollout.app_drift({**served, "provider": "basic", "publicKeyUrls": ["a"]}, env)
    assert len(drift) == 2
    assert drift[0].startswith("provider is 'basic'")


@pytest.mark.parametrize(("service_url", "allowed"), [
    (None, True),
    ("http://openmetadata.om.svc:8585", True),
    ("http://openmetadata.om:8585", True),
    ("https://om-api.om.svc.cluster.local:8443/prefix", True),
    ("https://om.example.com", True),  # the public serverUrl host
    ("http://127.0.0.1:9999", True),  # an admin-allowed extra host
    ("http://openmetadata:8585", False),  # bare name: resolves in the operator's namespace
    ("http://openmetadata.other.svc:8585", False),
    ("http://169.254.169.254/latest/meta-data", False),
    ("http://user:pw@openmetadata.om.svc:8585", False),
    ("http://openmetadata.om.svc:8585/?x=", False),
    ("http://openmetadata.om.svc:8585/#frag", False),
    ("ftp://openmetadata.om.svc", False),
    ("http://openmetadata.om.svc:8585/a b", False),
])
def test_app_check_url_only_calls_openmetadata(service_url: str | None, allowed: bool) -> None:
    url, why = rollout.app_check_url(service_url, "openmetadata", "om", "https://om.example.com",
                                     ("127.0.0.1",))
    assert (url is not None) is allowed, why
    if url is not None:
        assert url.endswith("/api/v1/system/config/auth")
    else:
        assert why.startswith("spec.target.serviceUrl is refused")
    assert rollout.app_check_url(None, "openmetadata", "om", "https://om.example.com")[0] == \
        "http://openmetadata.om.svc:8585/api/v1/system/config/auth"
