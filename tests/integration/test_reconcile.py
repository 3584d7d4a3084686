"""The operator on the real control plane with the Cognito stand-in: renders, restarts exactly when
needed, and reports it in status, Events and `kubectl`.

Restarts are counted by the Deployment's metadata.generation: every pod-template change bumps it by
one, so "one restart" is "generation + 1" and "zero restarts" is "generation unchanged"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane

from .operator_harness import Kube, OperatorProcess, decode, spec_for, wait_for

QUIET = 4.0  # longer than the test resync period (3 s): a resync must happen inside every quiet window


def _ready(kube: Kube, ns: str, name: str = "sso") -> dict[str, Any]:
    return kube.wait_condition(ns, "Ready", "True", name=name)


def _settled(kube: Kube, ns: str) -> None:
    """Ready, and the rollout reported: nothing left for the operator to write."""
    _ready(kube, ns)
    kube.wait_condition(ns, "RolloutComplete", "True")


def _setup(kube: Kube, ns: str, cognito: CognitoStandIn, *, labelled: bool = False, **overrides: Any) -> int:
    kube.secret(ns, "cognito-client", cognito.client_secret, labelled=labelled)
    kube.deployment(ns)
    kube.create_cr(ns, spec_for(cognito, **overrides))
    _ready(kube, ns)
    return kube.generation(ns)


def test_create_renders_and_restarts_once(operator: OperatorProcess, kube: Kube, namespace: str,
                                          cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    before = kube.generation(namespace)
    kube.create_cr(namespace, spec_for(cognito))
    ready = _ready(kube, namespace)
    assert ready["reason"] == "Reconciled"
    assert kube.generation(namespace) == before + 1

    env = kube.config_map(namespace)
    assert env is not None
    assert decode(env["AUTHENTICATION_PROVIDER"]) == "aws-cognito"
    assert decode(env["AUTHENTICATION_AUTHORITY"]) == cognito.authority
    assert decode(env["OIDC_CALLBACK"]) == "https://openmetadata.example.com/callback"
    assert decode(env["AUTHORIZER_ADMIN_PRINCIPALS"]) == ["admin"]
    assert cognito.client_secret not in json.dumps(env)
    creds = kube.core.read_namespaced_secret("sso-sso-credentials", namespace)
    assert set(creds.data) == {"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"}
    assert creds.metadata.owner_references[0].kind == "CognitoSSO"

    cr = kube.cr(namespace)
    status = cr["status"]
    assert status["configHash"] == kube.config_hash(namespace)
    assert status["discovery"]["issuer"] == cognito.authority
    assert status["target"] == "Deployment/openmetadata"
    assert status["adminUsernames"] == ["admin"]
    assert cognito.client_secret not in json.dumps(cr)
    kube.wait_condition(namespace, "RolloutComplete", "True", reason="RolloutComplete")  # kcm's status update
    for type_ in ("SpecValid", "DiscoveryValid", "SecretResolved", "ConfigRendered"):
        assert kube.condition(namespace, type_)["status"] == "True", type_  # type: ignore[index]
    assert kube.events(namespace, "Restarted")
    assert kube.events(namespace, "Rendered")


def test_spec_change_restarts_once_and_noop_edits_write_nothing(
        operator: OperatorProcess, kube: Kube, namespace: str, cognito: CognitoStandIn) -> None:
    gen = _setup(kube, namespace, cognito)
    kube.patch_cr(namespace, {"spec": {"oidc": {"prompt": "login"}}})
    wait_for(lambda: (kube.config_map(namespace) or {}).get("OIDC_PROMPT_TYPE") == '"login"', what="re-render")
    _ready(kube, namespace)
    assert kube.generation(namespace) == gen + 1

    # Metadata-only edits and resyncs: zero restarts and zero writes.
    _settled(kube, namespace)
    kube.patch_cr(namespace, {"metadata": {"labels": {"team": "data"}, "annotations": {"note": "x"}}})
    time.sleep(1.0)  # the debounced reconcile of the label edit
    before = kube.versions(namespace)
    reconciles = operator.metric("cognito_sso_reconcile_total")
    writes = operator.metric("cognito_sso_api_writes_total")
    time.sleep(QUIET)
    assert (operator.metric("cognito_sso_reconcile_total") or 0) > (reconciles or 0)  # resync really ran
    assert kube.versions(namespace) == before
    # No request at all, not even a no-op PATCH that the API server would swallow without a new resourceVersion.
    assert operator.metric("cognito_sso_api_writes_total") == writes
    assert kube.generation(namespace) == gen + 1


def test_operator_restart_writes_nothing(operator: OperatorProcess, kube: Kube, namespace: str,
                                         cognito: CognitoStandIn) -> None:
    gen = _setup(kube, namespace, cognito)
    _settled(kube, namespace)
    before = kube.versions(namespace)
    operator.restart()
    wait_for(lambda: (operator.metric("cognito_sso_reconcile_total") or 0) >= 1, what="first reconcile")
    time.sleep(1.0)
    assert kube.versions(namespace) == before
    assert kube.generation(namespace) == gen


@pytest.mark.parametrize("labelled", [True, False], ids=["labelled", "unlabelled"])
def test_secret_rotation_restarts_once(operator: OperatorProcess, kube: Kube, namespace: str,
                                       cognito: CognitoStandIn, labelled: bool) -> None:
    gen = _setup(kube, namespace, cognito, labelled=labelled)
    old_hash = kube.config_hash(namespace)
    started = time.monotonic()
    kube.secret(namespace, "cognito-client", "rotated-secret-value-0123456789", labelled=labelled)
    wait_for(lambda: kube.config_hash(namespace) != old_hash, timeout=15, what="restart after rotation")
    elapsed = time.monotonic() - started
    time.sleep(QUIET)
    assert kube.generation(namespace) == gen + 1
    if labelled:
        assert elapsed < 2.0, f"labelled rotation took {elapsed:.2f}s"
    assert kube.events(namespace, "SecretRotated")
    creds = kube.core.read_namespaced_secret("sso-sso-credentials", namespace)
    import base64
    assert base64.b64decode(creds.data["OIDC_CLIENT_SECRET"]).decode() == "rotated-secret-value-0123456789"
    assert "rotated-secret-value-0123456789" not in operator.logs()


def test_secret_and_spec_changed_together_restart_once(
        operator: OperatorProcess, control_plane: ControlPlane, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    gen = _setup(kube, namespace, cognito, labelled=True)
    cr = kube.cr(namespace)
    docs = [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cognito-client", "namespace": namespace,
                                                            "labels": {"cognito-sso.dev/watch": "true"}},
         "stringData": {"clientSecret": "together-secret-value-42"}},
        {"apiVersion": cr["apiVersion"], "kind": "CognitoSSO", "metadata": {"name": "sso", "namespace": namespace},
         "spec": {**cr["spec"], "oidc": {**cr["spec"]["oidc"], "prompt": "login"}}},
    ]
    # One server-side apply of both objects, as Flux does (client-side kubectl apply spaces them by up to ~1 s
    # under load; users of that raise COGNITO_SSO_DEBOUNCE_SECONDS).
    control_plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump_all(docs))
    wait_for(lambda: (kube.config_map(namespace) or {}).get("OIDC_PROMPT_TYPE") == '"login"', what="re-render")
    time.sleep(QUIET)
    assert kube.generation(namespace) == gen + 1


def test_invalid_change_keeps_last_good_config(operator: OperatorProcess, kube: Kube, namespace: str,
                                               cognito: CognitoStandIn) -> None:
    gen = _setup(kube, namespace, cognito)
    env_before = kube.config_map(namespace)
    # A pool without a hosted-UI domain passes admission but fails the live check.
    bad_pool = cognito.new_pool(with_domain=False)
    kube.patch_cr(namespace, {"spec": {"authority": bad_pool.authority}})
    ready = kube.wait_condition(namespace, "Ready", "False", reason="PoolHasNoDomain")
    assert "domain" in ready["message"]
    assert kube.condition(namespace, "Stalled")["status"] == "True"  # type: ignore[index]
    time.sleep(1.0)
    assert kube.config_map(namespace) == env_before
    assert kube.generation(namespace) == gen
    assert kube.events(namespace, "PoolHasNoDomain")

    # A deleted client Secret: same, with its own reason.
    kube.patch_cr(namespace, {"spec": {"authority": cognito.authority}})
    _ready(kube, namespace)
    kube.core.delete_namespaced_secret("cognito-client", namespace)
    kube.wait_condition(namespace, "Ready", "False", reason="SecretNotFound", timeout=20)
    assert kube.config_map(namespace) == env_before
    assert kube.generation(namespace) == gen


def test_target_missing_then_created_converges(operator: OperatorProcess, kube: Kube, namespace: str,
                                               cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.create_cr(namespace, spec_for(cognito))
    kube.wait_condition(namespace, "Ready", "False", reason="TargetNotFound")
    assert kube.config_map(namespace) is not None  # rendered ahead of the workload
    kube.deployment(namespace)
    started = time.monotonic()
    _ready(kube, namespace)
    assert time.monotonic() - started < 5.0
    assert kube.config_hash(namespace) == kube.cr(namespace)["status"]["configHash"]


def test_restart_policy_never_renders_without_restart(operator: OperatorProcess, kube: Kube, namespace: str,
                                                      cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    gen = kube.generation(namespace)
    kube.create_cr(namespace, spec_for(cognito, target={"restartPolicy": "Never"}))
    _ready(kube, namespace)
    cond = kube.condition(namespace, "RolloutComplete")
    assert cond is not None
    assert cond["reason"] == "RestartDisabled"
    assert "kubectl rollout restart deployment/openmetadata" in cond["message"]
    assert kube.generation(namespace) == gen
    assert kube.config_map(namespace) is not None


def test_reset_mode_runs_job_before_restart(operator: OperatorProcess, kube: Kube, namespace: str,
                                            cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    gen = kube.generation(namespace)
    kube.create_cr(namespace, spec_for(cognito, target={"storedConfig": "Reset"}))
    kube.wait_condition(namespace, "Reconciling", "True", reason="ResetJobRunning")
    jobs = wait_for(lambda: kube.batch.list_namespaced_job(namespace).items, what="reset job")
    job = jobs[0]
    assert job.spec.template.spec.containers[0].command == [
        "./bootstrap/openmetadata-ops.sh", "remove-security-config", "--force"]
    assert job.spec.template.spec.containers[0].image == "openmetadata/server:1.13.1"
    time.sleep(1.0)
    assert kube.generation(namespace) == gen  # no restart while the Job runs
    # Play the kubelet: the Job succeeded.
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    live = kube.batch.read_namespaced_job_status(job.metadata.name, namespace)
    live.status.active = 0
    live.status.ready = 0
    live.status.succeeded = 1
    live.status.start_time = live.status.start_time or now
    live.status.completion_time = now
    live.status.conditions = [
        {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": now},
        {"type": "Complete", "status": "True", "lastTransitionTime": now}]
    kube.batch.replace_namespaced_job_status(job.metadata.name, namespace, live)
    _ready(kube, namespace)
    assert kube.generation(namespace) == gen + 1
    assert kube.cr(namespace)["status"].get("lastResetTime")
    assert kube.events(namespace, "ResetJobSucceeded")


class _AuthConfigServer:
    """Stands in for OpenMetadata's public GET /api/v1/system/config/auth."""

    def __init__(self) -> None:
        self.payload: dict[str, Any] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(outer.payload).encode()
                self.send_response(200 if self.path == "/api/v1/system/config/auth" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def auth_server() -> Iterator[_AuthConfigServer]:
    server = _AuthConfigServer()
    yield server
    server.server.shutdown()


def test_application_in_sync_compares_served_config(operator: OperatorProcess, kube: Kube, namespace: str,
                                                    cognito: CognitoStandIn, auth_server: _AuthConfigServer) -> None:
    auth_server.payload = {"provider": "basic", "authority": "https://accounts.google.com", "clientId": "",
                           "callbackUrl": "", "publicKeyUrls": []}
    _setup(kube, namespace, cognito, target={"serviceUrl": auth_server.url})
    cond = kube.wait_condition(namespace, "ApplicationInSync", "False", reason="StoredConfigDiffers")
    assert "storedConfig: Reset" in cond["message"]
    assert kube.condition(namespace, "Ready")["status"] == "True"  # type: ignore[index]
    env = kube.config_map(namespace) or {}
    auth_server.payload = {
        "provider": "aws-cognito", "authority": cognito.authority, "clientId": cognito.client_id,
        "callbackUrl": decode(env["AUTHENTICATION_CALLBACK_URL"]),
        "publicKeyUrls": decode(env["AUTHENTICATION_PUBLIC_KEYS"]),
    }
    kube.wait_condition(namespace, "ApplicationInSync", "True", reason="InSync", timeout=20)


def test_kubectl_wait_and_wide_output(operator: OperatorProcess, control_plane: ControlPlane, kube: Kube,
                                      namespace: str, cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    kube.create_cr(namespace, spec_for(cognito))
    out = control_plane.kubectl("wait", "-n", namespace, "--for=condition=Ready", "--timeout=60s",
                                "cognitosso/sso")
    assert "condition met" in out.stdout
    wide = control_plane.kubectl("get", "-n", namespace, "csso", "-o", "wide").stdout
    header, row = wide.splitlines()[:2]
    for column in ("READY", "REASON", "AUTHORITY", "AGE", "CLIENT", "TARGET", "HASH", "RESTARTED"):
        assert column in header
    assert "True" in row
    assert "Reconciled" in row
    assert cognito.authority in row
    assert "Deployment/openmetadata" in row
    assert "Confidential" in row
