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
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_sso_operator.envtest import ControlPlane

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
    assert not can_i(control_plane, sa, "list", "namespaces", None)
    assert can_i(control_plane, sa, "list", "customresourcedefinitions.apiextensions.k8s.io", None)
    assert not can_i(control_plane, sa, "patch", "customresourcedefinitions.apiextensions.k8s.io", None)


def test_all_namespaces_install(control_plane: ControlPlane, helm: Helm, suffix: str) -> None:
    system = f"csso-all-{suffix}"
    release = f"all-{suffix}"
    helm("install", release, str(CHART), "--namespace", system, "--create-namespace")
    try:
        sa = f"system:serviceaccount:{system}:{release}-cognito-sso-operator"
        for verb, resource in [("list", "secrets"), ("watch", "cognitossos.cognito-sso.dev"),
                               ("list", "namespaces"), ("watch", "namespaces"), ("patch", "deployments.apps")]:
            assert can_i(control_plane, sa, verb, resource, None), f"{verb} {resource}"
        for verb, resource in [("list", "clusterkopfpeerings.kopf.dev"), ("create", "namespaces"),
                               ("list", "pods"), ("create", "clusterroles.rbac.authorization.k8s.io")]:
            assert not can_i(control_plane, sa, verb, resource, None), f"{verb} {resource}"
    finally:
        helm("uninstall", release, "--namespace", system)
        control_plane.kubectl("delete", "namespace", system, "--wait=false", check=False)
