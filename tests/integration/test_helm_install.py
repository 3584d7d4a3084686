"""`helm install` of the chart into the real control plane, and RBAC checked by the real authorizer.

What `helm template` cannot show: the API server accepts every object (the CRD with its CEL rules, RBAC,
the Deployment), kopf's peering CRDs and the peering objects land in one install (the objects are
post-install hooks), and the ServiceAccount can do exactly what the operator needs in each scope mode,
as `kubectl auth can-i` answers it. No kubelet runs, so the operator pod stays Pending: this is about the
chart, not the operator.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane

from .operator_harness import Kube, free_port, spec_for, wait_for

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "cognito-sso-operator"


def _helm_path() -> str:
    tools = os.environ.get("COGNITO_SSO_TOOLS_DIR")
    candidates = [shutil.which("helm"), str(Path(tools) / "helm") if tools else None,
                  *sorted(glob.glob(str(Path.home() / ".cache/cognito-sso-operator/tools/*/helm")))]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    pytest.fail("helm not found: run `make tools` (hack/build-tools.sh)")


class Helm:
    def __init__(self, plane: ControlPlane, tmp: Path) -> None:
        self.plane = plane
        self.bin = _helm_path()
        self.env = {**plane.env(), "HELM_CACHE_HOME": str(tmp / "cache"), "HELM_CONFIG_HOME": str(tmp / "config"),
                    "HELM_DATA_HOME": str(tmp / "data")}

    def __call__(self, *args: str) -> str:
        proc = subprocess.run([self.bin, *args], capture_output=True, text=True, timeout=300, env=self.env,
                              check=False)
        assert proc.returncode == 0, f"helm {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout


def can_i(plane: ControlPlane, sa: str, verb: str, resource: str, namespace: str | None) -> bool:
    resource, _, subresource = resource.partition("/")
    args = ["auth", "can-i", verb, resource, f"--as={sa}"]
    if subresource:
        args.append(f"--subresource={subresource}")
    args += [f"--namespace={namespace}"] if namespace else ["--all-namespaces"]
    proc = plane.kubectl(*args, check=False)
    return proc.stdout.strip() == "yes"


@pytest.fixture
def suffix() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture
def helm(control_plane: ControlPlane, tmp_path: Path) -> Helm:
    return Helm(control_plane, tmp_path)


@pytest.fixture
def namespaced_release(control_plane: ControlPlane, helm: Helm, suffix: str) -> Iterator[dict[str, str]]:
    system, om1, om2, other = (f"{n}-{suffix}" for n in ("csso-sys", "om1", "om2", "other"))
    for ns in (om1, om2, other):
        control_plane.kubectl("create", "namespace", ns)
    release = f"ns-{suffix}"
    helm("install", release, str(CHART), "--namespace", system, "--create-namespace",
         "--set", "watch.allNamespaces=false", "--set", f"watch.namespaces={{{om1},{om2}}}",
         "--set", "peering.enabled=true", "--set", "peering.installCRDs=true")
    names = {"system": system, "om1": om1, "om2": om2, "other": other, "release": release,
             "sa": f"system:serviceaccount:{system}:{release}-cognito-sso-operator"}
    try:
        yield names
    finally:
        helm("uninstall", release, "--namespace", system)
        for ns in (om1, om2, other, system):
            control_plane.kubectl("delete", "namespace", ns, "--wait=false", check=False)
        if os.environ.get("TEST_USE_EXISTING_CLUSTER") != "1":
            # helm keeps the peering CRDs (resource-policy: keep); leave our own control plane as found
            control_plane.kubectl("delete", "crd", "kopfpeerings.kopf.dev", "clusterkopfpeerings.kopf.dev",
                                  "--ignore-not-found", "--wait=false", check=False)


def test_namespaced_install(control_plane: ControlPlane, namespaced_release: dict[str, str]) -> None:
    n = namespaced_release
    k = control_plane.kubectl
    dep = k("get", "deployment", "-n", n["system"], "-o", "jsonpath={.items[0].spec.strategy.type}").stdout
    assert dep == "Recreate"
    for ns in (n["om1"], n["om2"]):
        assert k("get", "kopfpeering", "cognito-sso-operator", "-n", ns, "-o", "name").stdout.strip()
    k("get", "crd", "cognitossos.cognito-sso.dev", "kopfpeerings.kopf.dev", "clusterkopfpeerings.kopf.dev")

    sa = n["sa"]
    for ns in (n["om1"], n["om2"]):
        for verb, resource in [("get", "secrets"), ("watch", "secrets"), ("create", "secrets"),
                               ("patch", "configmaps"), ("patch", "deployments.apps"),
                               ("patch", "statefulsets.apps"), ("create", "jobs.batch"),
                               ("patch", "cognitossos.cognito-sso.dev"),
                               ("update", "cognitossos.cognito-sso.dev/status"),
                               ("create", "events"), ("create", "events.events.k8s.io"),
                               ("patch", "kopfpeerings.kopf.dev")]:
            assert can_i(control_plane, sa, verb, resource, ns), f"{verb} {resource} in {ns}"
        for verb, resource in [("delete", "cognitossos.cognito-sso.dev"), ("create", "pods"),
                               ("update", "deployments.apps"), ("get", "pods/exec")]:
            assert not can_i(control_plane, sa, verb, resource, ns), f"{verb} {resource} in {ns}"
    # outside the watched namespaces: nothing namespaced
    for verb, resource in [("get", "secrets"), ("list", "configmaps"), ("list", "cognitossos.cognito-sso.dev")]:
        assert not can_i(control_plane, sa, verb, resource, n["other"])
        assert not can_i(control_plane, sa, verb, resource, None)
    assert can_i(control_plane, sa, "list", "namespaces", None)  # kopf follows the watched namespaces
    assert not can_i(control_plane, sa, "get", "namespaces", None)
    assert can_i(control_plane, sa, "list", "customresourcedefinitions.apiextensions.k8s.io", None)
    assert not can_i(control_plane, sa, "patch", "customresourcedefinitions.apiextensions.k8s.io", None)


def test_all_namespaces_install(control_plane: ControlPlane, helm: Helm, suffix: str) -> None:
    system = f"csso-all-{suffix}"
    release = f"all-{suffix}"
    helm("install", release, str(CHART), "--namespace", system, "--create-namespace")
    try:
        sa = f"system:serviceaccount:{system}:{release}-cognito-sso-operator"
        for verb, resource in [("list", "secrets"), ("watch", "cognitossos.cognito-sso.dev"),
                               ("patch", "deployments.apps")]:
            assert can_i(control_plane, sa, verb, resource, None), f"{verb} {resource}"
        for verb, resource in [("list", "clusterkopfpeerings.kopf.dev"), ("list", "namespaces"),
                               ("list", "pods"), ("create", "clusterroles.rbac.authorization.k8s.io")]:
            assert not can_i(control_plane, sa, verb, resource, None), f"{verb} {resource}"
    finally:
        helm("uninstall", release, "--namespace", system)
        control_plane.kubectl("delete", "namespace", system, "--wait=false", check=False)


def _sa_kubeconfig(plane: ControlPlane, namespace: str, sa: str, path: Path) -> Path:
    token = plane.kubectl("create", "token", sa, "-n", namespace, "--duration=1h").stdout.strip()
    assert plane.server is not None
    assert plane.pki is not None
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "plane", "cluster": {"server": plane.server,
                                                   "certificate-authority": str(plane.pki.ca_cert)}}],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "plane", "user": "sa"}}],
    }))
    return path


class _Operator:
    """`cognito-sso-operator run` authenticated as a ServiceAccount (only the chart's RBAC)."""

    def __init__(self, plane: ControlPlane, kubeconfig: Path, cognito: CognitoStandIn, log_path: Path,
                 scope_args: list[str], namespaces: str = "") -> None:
        self.liveness_port = free_port()
        self.log_path = log_path
        env = {**plane.env(), "KUBECONFIG": str(kubeconfig),
               "COGNITO_SSO_COGNITO_ENDPOINT_URL": cognito.endpoint_url,
               "COGNITO_SSO_METRICS_PORT": str(free_port()), "COGNITO_SSO_RESYNC_SECONDS": "3",
               "COGNITO_SSO_APP_CHECK_TIMEOUT_SECONDS": "1", "COGNITO_SSO_NAMESPACES": namespaces}
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cognito_sso_operator.cli", "run", *scope_args,
                 f"--liveness=http://127.0.0.1:{self.liveness_port}/healthz", "--log-format=json", "--verbose"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.liveness_port}/healthz", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def forbidden_lines(self) -> list[str]:
        text = self.log_path.read_text(errors="replace")
        return [line[:400] for line in text.splitlines() if "forbidden" in line.lower() or " 403" in line]

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def _reconcile_end_to_end(op: _Operator, kube: Kube, ns: str, cognito: CognitoStandIn) -> None:
    wait_for(op.healthy, timeout=60, what=f"kopf liveness endpoint (log: {op.log_path})")
    kube.secret(ns, "cognito-client", cognito.client_secret, labelled=True)
    kube.deployment(ns)
    before = kube.generation(ns)
    kube.create_cr(ns, spec_for(cognito))
    kube.wait_condition(ns, "Ready", "True", timeout=60)
    assert kube.generation(ns) == before + 1, "the operator restarted the Deployment"
    assert kube.config_map(ns) is not None
    assert kube.events(ns)
    kube.secret(ns, "cognito-client", cognito.client_secret + "rotated", labelled=True)
    wait_for(lambda: kube.generation(ns) == before + 2, timeout=30, what="restart after rotation")
    assert not op.forbidden_lines(), "\n".join(op.forbidden_lines())


def test_operator_works_with_only_the_namespaced_chart_rbac(
        control_plane: ControlPlane, namespaced_release: dict[str, str], crd: None, kube_api: Any,
        cognito: CognitoStandIn, tmp_path: Path) -> None:
    """The real operator, as the chart's ServiceAccount in namespaced mode, reconciles a CognitoSSO end to
    end (render, restart, status, events, Secret rotation) without a single 403."""
    n = namespaced_release
    kubeconfig = _sa_kubeconfig(control_plane, n["system"], n["sa"].rsplit(":", 1)[1], tmp_path / "sa.kubeconfig")
    op = _Operator(control_plane, kubeconfig, cognito, tmp_path / "operator.log",
                   ["-n", n["om1"], "-n", n["om2"]], f"{n['om1']},{n['om2']}")
    try:
        _reconcile_end_to_end(op, Kube(kube_api), n["om1"], cognito)
    finally:
        op.stop()


def test_operator_works_with_only_the_cluster_chart_rbac(
        control_plane: ControlPlane, helm: Helm, suffix: str, crd: None, kube_api: Any,
        cognito: CognitoStandIn, tmp_path: Path) -> None:
    """The same in all-namespaces mode (where the chart grants no access to namespaces at all)."""
    system, ns, release = f"csso-op-{suffix}", f"om-all-{suffix}", f"op-{suffix}"
    control_plane.kubectl("create", "namespace", ns)
    helm("install", release, str(CHART), "--namespace", system, "--create-namespace")
    op = None
    try:
        kubeconfig = _sa_kubeconfig(control_plane, system, f"{release}-cognito-sso-operator",
                                    tmp_path / "sa.kubeconfig")
        op = _Operator(control_plane, kubeconfig, cognito, tmp_path / "operator.log", ["--all-namespaces"])
        _reconcile_end_to_end(op, Kube(kube_api), ns, cognito)
    finally:
        if op is not None:
            op.stop()
        helm("uninstall", release, "--namespace", system)
        for name in (ns, system):
            control_plane.kubectl("delete", "namespace", name, "--wait=false", check=False)
