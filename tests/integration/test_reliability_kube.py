"""Kubernetes-side faults: the operator killed at each step of a reconcile, write conflicts, a lost response,
a workload edited by someone else between read and write, the CognitoSSO deleted mid-reconcile, the
referenced Secret deleted and recreated, kube-apiserver restarted mid-reconcile, silently stalled watches.

The operator talks to kube-apiserver through `KubeFaultProxy` (its kubeconfig's server). A "hold" rule keeps
one request of a chosen step waiting in the proxy, so the test knows the operator is inside that step when it
acts (kills it, edits the workload, deletes the object, restarts the apiserver).

Restarts are counted by the Deployment's metadata.generation (one pod-template change = one restart). The end
state is always: Ready, the workload on the rendered config hash, and exactly the restarts that were due.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane
from tests import reliability_stats

from .faultproxy import KubeFaultProxy, Rule
from .operator_harness import Kube, OperatorProcess, spec_for, wait_for
from .reliability_harness import (
    assert_alive_and_calm,
    children,
    keep_evidence,
    proxied_kubeconfig,
    settled,
    traceback_count,
)

pytestmark = pytest.mark.reliability

WATCH_INACTIVITY = 5.0
QUIET = 3.0


@pytest.fixture(scope="module")
def kube_proxy(control_plane: ControlPlane) -> Iterator[KubeFaultProxy]:
    assert control_plane.server is not None
    proxy = KubeFaultProxy(control_plane.server, control_plane.ssl_context()).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def proxied_operator(control_plane: ControlPlane, cognito: CognitoStandIn, crd: None, kube_proxy: KubeFaultProxy,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    logs = Path(tmp_path_factory.mktemp("operator-kube-faults"))
    kubeconfig = proxied_kubeconfig(control_plane, kube_proxy.url, logs / "proxied.kubeconfig")
    proc = OperatorProcess(control_plane, cognito.endpoint_url, logs, KUBECONFIG=str(kubeconfig),
                           COGNITO_SSO_WATCH_INACTIVITY_SECONDS=str(WATCH_INACTIVITY),
                           COGNITO_SSO_RESYNC_SECONDS="600")
    proc.start()
    yield proc
    keep_evidence(proc, "kube-faults")
    proc.stop()


@pytest.fixture
def op(proxied_operator: OperatorProcess, kube_proxy: KubeFaultProxy) -> Iterator[OperatorProcess]:
    kube_proxy.clear()
    if proxied_operator.proc is None or proxied_operator.proc.poll() is not None:
        proxied_operator.start()
    yield proxied_operator
    kube_proxy.clear()


def _paths(ns: str) -> dict[str, str]:
    return {
        "configmap": rf"^/api/v1/namespaces/{ns}/configmaps/sso-sso-env$",
        "credentials": rf"^/api/v1/namespaces/{ns}/secrets/sso-sso-credentials$",
        "deployment": rf"^/apis/apps/v1/namespaces/{ns}/deployments/openmetadata$",
        "status": rf"^/apis/cognito-sso.dev/v1alpha1/namespaces/{ns}/cognitossos/sso/status$",
        "cr": rf"^/apis/cognito-sso.dev/v1alpha1/namespaces/{ns}/cognitossos",
    }


def _inputs(kube: Kube, ns: str, cognito: CognitoStandIn, *, labelled: bool = False) -> int:
    kube.secret(ns, "cognito-client", cognito.client_secret, labelled=labelled)
    kube.deployment(ns)
    return kube.generation(ns)


def _quiet_and_converged(kube: Kube, ns: str, generation: int) -> None:
    """Ready, on the rendered hash, `generation` restarts in, and nothing more happens in a quiet window."""
    # Ready/RolloutComplete may still be those of the visit before a Secret change: wait for the status to
    # report the workload's hash too.
    wait_for(lambda: kube.config_hash(ns) == (kube.cr(ns).get("status") or {}).get("configHash"), timeout=60,
             what="status.configHash == the workload's config hash")
    settled(kube, ns)
    assert kube.config_hash(ns) == kube.cr(ns)["status"]["configHash"]
    assert kube.generation(ns) == generation
    before = children(kube, ns)
    time.sleep(QUIET)
    assert kube.generation(ns) == generation, "a spurious restart"
    assert children(kube, ns) == before, "the rendered config was rewritten"


# ---- the operator killed at each step ------------------------------------------------------------------------

# step -> the request the operator is held at (the children are written concurrently: holding one of them
# catches the operator with the other possibly written)
STEPS = {
    "after-initial-status-configmap-pending": "configmap",
    "after-initial-status-credentials-pending": "credentials",
    "after-render-before-restart": "deployment",
    "after-restart-before-status": "status",
}


@pytest.mark.parametrize("step", list(STEPS))
def test_operator_killed_mid_reconcile_converges_with_one_restart(
        step: str, op: OperatorProcess, kube_proxy: KubeFaultProxy, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    paths = _paths(namespace)
    g0 = _inputs(kube, namespace, cognito)
    target = STEPS[step]
    restarted = (lambda: bool(kube_proxy.requests("PATCH", paths["deployment"]))) if target == "status" else None
    rule = kube_proxy.add(Rule("PATCH", paths[target], "hold", times=1, when=restarted))
    kube.create_cr(namespace, spec_for(cognito))
    wait_for(lambda: rule.pending == 1, timeout=60, what=f"the operator at step {step}")

    # Where the reconcile stands when the operator dies.
    creds = "sso-sso-credentials" in [s.metadata.name for s in kube.core.list_namespaced_secret(namespace).items]
    rendered = kube.config_map(namespace) is not None
    if target == "configmap":
        assert not rendered
    if target == "credentials":
        assert not creds
    if target in ("deployment", "status"):
        assert rendered
        assert creds
    assert kube.generation(namespace) == (g0 + 1 if target == "status" else g0)

    op.stop(signal.SIGKILL)
    kube_proxy.clear()
    op.start()
    _quiet_and_converged(kube, namespace, g0 + 1)
    assert rule.held
    assert not any(s.forwarded for s in rule.held), "the held request reached the apiserver"
    assert_alive_and_calm(op)
    reliability_stats.fault(f"kill:{step}")
    reliability_stats.checked("killed mid-reconcile: converged with exactly the one restart due")


# ---- conflicts and lost answers ------------------------------------------------------------------------------


def test_conflict_on_every_write_converges_without_crash_loop(
        op: OperatorProcess, kube_proxy: KubeFaultProxy, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    g0 = _inputs(kube, namespace, cognito)
    tracebacks = traceback_count(op)
    conflicts = 6
    ns_writes = rf"^/api(s/[^/]+)?/v1(alpha1)?/namespaces/{namespace}/"
    rule = kube_proxy.add(Rule("*", ns_writes, "status", status=409, times=conflicts))
    started = time.monotonic()
    kube.create_cr(namespace, spec_for(cognito))
    wait_for(lambda: rule.matched >= conflicts, timeout=60, what=f"{conflicts} conflicting writes")
    _quiet_and_converged(kube, namespace, g0 + 1)
    writes = [s for s in kube_proxy.requests(since=started) if s.method != "GET" and namespace in s.path]
    assert len(writes) < 60, f"{len(writes)} writes for {conflicts} conflicts: a retry storm"
    assert_alive_and_calm(op, since_tracebacks=tracebacks)
    reliability_stats.fault("http-409-on-write", rule.matched)
    reliability_stats.checked("409 on every write: converged, no crash loop")


def test_lost_restart_response_causes_no_duplicate_restart(
        op: OperatorProcess, kube_proxy: KubeFaultProxy, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    """The restart PATCH reaches the apiserver but its answer is lost (504): the retry must not restart again."""
    paths = _paths(namespace)
    g0 = _inputs(kube, namespace, cognito)
    rule = kube_proxy.add(Rule("PATCH", paths["deployment"], "lose-response", status=504, times=1))
    kube.create_cr(namespace, spec_for(cognito))
    wait_for(lambda: rule.matched == 1, timeout=60, what="the restart PATCH")
    _quiet_and_converged(kube, namespace, g0 + 1)
    reliability_stats.fault("lost-response:restart")
    reliability_stats.checked("lost restart response: no duplicate restart")


def test_workload_edited_between_read_and_write(
        op: OperatorProcess, kube_proxy: KubeFaultProxy, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    """Someone edits the Deployment after the operator read it and before its restart lands: both changes
    stay (server-side apply owns only the hash annotation), one restart each, no fight afterwards."""
    paths = _paths(namespace)
    g0 = _inputs(kube, namespace, cognito)
    rule = kube_proxy.add(Rule("PATCH", paths["deployment"], "hold", times=1))
    kube.create_cr(namespace, spec_for(cognito))
    wait_for(lambda: rule.pending == 1, timeout=60, what="the restart PATCH")
    kube.apps.patch_namespaced_deployment("openmetadata", namespace, {"spec": {"template": {
        "metadata": {"annotations": {"example.com/edited-by": "someone-else"}},
        "spec": {"containers": [{"name": "server", "env": [{"name": "FOO", "value": "bar"}]}]}}}})
    assert kube.generation(namespace) == g0 + 1
    rule.release(forward=True)
    _quiet_and_converged(kube, namespace, g0 + 2)
    dep = kube.get_deployment(namespace)
    template = dep["spec"]["template"]
    assert template["metadata"]["annotations"]["example.com/edited-by"] == "someone-else"
    assert {"name": "FOO", "value": "bar"} in template["spec"]["containers"][0]["env"]
    assert len(kube_proxy.requests("PATCH", paths["deployment"])) == 1, "the operator wrote the workload again"
    reliability_stats.fault("concurrent-workload-edit")
    reliability_stats.checked("workload edited between read and write: both edits kept, no fight")


def test_cognitosso_deleted_mid_reconcile(
        op: OperatorProcess, kube_proxy: KubeFaultProxy, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    """The object is deleted while its reconcile is between rendering and restarting: the workload is not
    restarted for an object that is gone, its children are garbage-collected, the operator carries on."""
    paths = _paths(namespace)
    g0 = _inputs(kube, namespace, cognito)
    tracebacks = traceback_count(op)
    rule = kube_proxy.add(Rule("PATCH", paths["credentials"], "hold", times=1))
    kube.create_cr(namespace, spec_for(cognito))
    wait_for(lambda: rule.pending == 1, timeout=60, what="the credentials Secret apply")
    kube.custom.delete_namespaced_custom_object("cognito-sso.dev", "v1alpha1", namespace, "cognitossos", "sso")
    time.sleep(1.0)
    rule.release(forward=True)
    wait_for(lambda: kube.config_map(namespace) is None, timeout=60, what="the ConfigMap garbage-collected")
    wait_for(lambda: "sso-sso-credentials" not in [s.metadata.name for s in
                                                   kube.core.list_namespaced_secret(namespace).items],
             timeout=60, what="the credentials Secret garbage-collected")
    time.sleep(QUIET)
    assert kube.generation(namespace) == g0, "the workload was restarted for a deleted CognitoSSO"
    assert not kube_proxy.requests("PATCH", paths["deployment"])
    assert_alive_and_calm(op, since_tracebacks=tracebacks)

    # The operator still works: the same object created again converges normally.
    kube.create_cr(namespace, spec_for(cognito))
    _quiet_and_converged(kube, namespace, g0 + 1)
    reliability_stats.fault("cognitosso-deleted-mid-reconcile")
    reliability_stats.checked("CognitoSSO deleted mid-reconcile: no restart, children collected")


def test_referenced_secret_deleted_and_recreated(
        op: OperatorProcess, kube: Kube, namespace: str, cognito: CognitoStandIn) -> None:
    g0 = _inputs(kube, namespace, cognito, labelled=True)
    kube.create_cr(namespace, spec_for(cognito))
    settled(kube, namespace)
    env, versions = kube.config_map(namespace), children(kube, namespace)
    versions.pop("secret/cognito-client")

    kube.core.delete_namespaced_secret("cognito-client", namespace)
    kube.wait_condition(namespace, "Ready", "False", reason="SecretNotFound", timeout=30)
    assert kube.config_map(namespace) == env
    assert kube.generation(namespace) == g0 + 1

    # The same value again: Ready, nothing rewritten, no restart.
    kube.secret(namespace, "cognito-client", cognito.client_secret, labelled=True)
    kube.wait_condition(namespace, "Ready", "True", timeout=30)
    after = children(kube, namespace)
    after.pop("secret/cognito-client")
    assert after == versions
    _quiet_and_converged(kube, namespace, g0 + 1)

    # Deleted and recreated with a new value at once: exactly one restart onto it.
    rotated = "recreated-secret-value-5f3a9c1e77"
    kube.core.delete_namespaced_secret("cognito-client", namespace)
    kube.secret(namespace, "cognito-client", rotated, labelled=True)
    wait_for(lambda: kube.generation(namespace) == g0 + 2, timeout=30, what="restart onto the new secret")
    _quiet_and_converged(kube, namespace, g0 + 2)
    reliability_stats.fault("referenced-secret-deleted", 2)
    reliability_stats.checked("Secret deleted and recreated: last good config kept, one restart for a new value")


# ---- the apiserver restarted, watches stalled ---------------------------------------------------------------


def test_apiserver_restart_mid_reconcile(
        op: OperatorProcess, control_plane: ControlPlane, kube_proxy: KubeFaultProxy, kube: Kube,
        namespace: str, cognito: CognitoStandIn) -> None:
    """kube-apiserver crashes while the restart PATCH is in flight and comes back on the same etcd: the
    operator reconnects (its watches too) and converges with one restart, not two."""
    if control_plane.use_existing_cluster:
        pytest.skip("TEST_USE_EXISTING_CLUSTER: this test cannot restart someone else's kube-apiserver")
    paths = _paths(namespace)
    g0 = _inputs(kube, namespace, cognito)
    tracebacks = traceback_count(op)
    rule = kube_proxy.add(Rule("PATCH", paths["deployment"], "hold", times=1))
    kube.create_cr(namespace, spec_for(cognito))
    wait_for(lambda: rule.pending == 1, timeout=60, what="the restart PATCH")

    # The held PATCH goes on while the apiserver is down (restart_apiserver() blocks until /readyz).
    release = threading.Timer(1.0, rule.release)
    release.start()
    control_plane.restart_apiserver(down_seconds=3.0, kill=True)
    release.join()
    _quiet_and_converged(kube, namespace, g0 + 1)

    # Its watches are back: a spec change after the restart is seen and rolled out once.
    kube.patch_cr(namespace, {"spec": {"oidc": {"prompt": "login"}}})
    wait_for(lambda: (kube.config_map(namespace) or {}).get("OIDC_PROMPT_TYPE") == '"login"', timeout=60,
             what="the change after the apiserver restart")
    _quiet_and_converged(kube, namespace, g0 + 2)
    assert_alive_and_calm(op, since_tracebacks=tracebacks)
    reliability_stats.fault("apiserver-restart")
    reliability_stats.checked("apiserver restarted mid-reconcile: reconnected, one restart")


def test_stalled_watches_are_noticed_and_resumed(
        op: OperatorProcess, kube_proxy: KubeFaultProxy, kube: Kube, namespace: str,
        cognito: CognitoStandIn) -> None:
    """Every watch stream silently stops delivering (no bytes, no close). Changes made after that are still
    acted on, within the inactivity timeout (COGNITO_SSO_WATCH_INACTIVITY_SECONDS=5), through new watches."""
    paths = _paths(namespace)
    g0 = _inputs(kube, namespace, cognito, labelled=True)
    kube.create_cr(namespace, spec_for(cognito))
    settled(kube, namespace)
    bound = WATCH_INACTIVITY + 15  # detection, reconnect, debounce, reconcile on a busy machine

    # The CognitoSSO watch (kopf).
    stalled_at = time.monotonic()
    assert kube_proxy.stall_watches() >= 2
    kube.patch_cr(namespace, {"spec": {"oidc": {"prompt": "login"}}})
    wait_for(lambda: (kube.config_map(namespace) or {}).get("OIDC_PROMPT_TYPE") == '"login"', timeout=bound,
             what="the spec change through a resumed watch")
    seen_at = time.monotonic()
    fresh = kube_proxy.requests("GET", paths["cr"].replace(f"namespaces/{namespace}/", ""), since=stalled_at,
                                watch=True)
    assert fresh, "no new CognitoSSO watch after the stall"
    assert fresh[0].at <= seen_at
    _quiet_and_converged(kube, namespace, g0 + 2)

    # The labelled Secret watch (the operator's own).
    stalled_at = time.monotonic()
    assert kube_proxy.stall_watches() >= 2
    kube.secret(namespace, "cognito-client", "rotated-during-stall-0a9b8c7d", labelled=True)
    wait_for(lambda: kube.generation(namespace) == g0 + 3, timeout=bound, what="rotation through a resumed watch")
    assert kube_proxy.requests("GET", r"^/api/v1/secrets$", since=stalled_at, watch=True), \
        "no new Secret watch after the stall"
    _quiet_and_converged(kube, namespace, g0 + 3)
    reliability_stats.fault("watch-stall", 2)
    reliability_stats.checked("stalled watches: noticed within the inactivity timeout and resumed")
