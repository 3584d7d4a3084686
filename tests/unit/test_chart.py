"""The Helm chart, rendered by the real helm binary (built from Go modules by hack/build-tools.sh).

`helm lint` (also --strict) and `helm template` with default and non-default values; assertions on the
rendered objects (Recreate, pod security, RBAC per scope mode, peering, metrics) and on values.schema.json
(an unknown value fails the render). Without helm the module skips locally and FAILS when CI=true.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "cognito-sso-operator"
CRD_NAME = "cognitossos.cognito-sso.dev.yaml"
SETTINGS = ROOT / "operator" / "cognito_sso_operator" / "settings.py"

NON_DEFAULT: dict[str, Any] = {
    "watch": {"allNamespaces": False, "namespaces": ["om1", "om2"]},
    "peering": {"enabled": True, "installCRDs": True},
    "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}},
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
    "operator": {"logFormat": "text", "resyncSeconds": 30, "verbose": True, "maxResponseBytes": 1048576},
    "image": {"repository": "registry.example.com/cognito-sso-operator", "tag": "0.1.0-rc1"},
    "extraEnv": [{"name": "AWS_REGION", "value": "eu-west-1"}],
    "podAnnotations": {"example.com/team": "data"},
}


def find_helm() -> str | None:
    candidates = [shutil.which("helm")]
    tools_dir = os.environ.get("COGNITO_SSO_TOOLS_DIR")
    if tools_dir:
        candidates.append(str(Path(tools_dir) / "helm"))
    candidates += sorted(glob.glob(str(Path.home() / ".cache" / "cognito-sso-operator" / "tools" / "*" / "helm")))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="module")
def helm() -> str:
    path = find_helm()
    if path is None:
        reason = ("helm not found (PATH, $COGNITO_SSO_TOOLS_DIR, ~/.cache/cognito-sso-operator/tools/*/helm); "
                  "build it with `make tools` (hack/build-tools.sh)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def run_helm(helm: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([helm, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "HELM_CACHE_HOME": "/tmp/helm-cache-cognito-sso",
                               "HELM_CONFIG_HOME": "/tmp/helm-config-cognito-sso"})
    if check and proc.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def template(helm: str, tmp_path: Path, values: dict[str, Any] | None = None, *extra: str,
             check: bool = True) -> subprocess.CompletedProcess[str]:
    args = ["template", "cso", str(CHART), "--namespace", "cognito-sso-system"]
    if values is not None:
        vf = tmp_path / f"values-{abs(hash(json.dumps(values, sort_keys=True)))}.yaml"
        vf.write_text(yaml.safe_dump(values))
        args += ["-f", str(vf)]
    return run_helm(helm, *args, *extra, check=check)


def render(helm: str, tmp_path: Path, values: dict[str, Any] | None = None, *extra: str) -> list[dict[str, Any]]:
    out = template(helm, tmp_path, values, *extra).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = of_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    assert len(pod["containers"]) == 1
    c: dict[str, Any] = pod["containers"][0]
    return c


def env_of(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(docs)["env"]}


def rules(role: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for rule in role.get("rules") or []:
        for group in rule.get("apiGroups", []):
            for resource in rule.get("resources", []):
                for verb in rule.get("verbs", []):
                    yield group, resource, verb


def grants(role: dict[str, Any], resource: str, group: str | None = None) -> set[str]:
    return {v for g, r, v in rules(role) if r == resource and (group is None or g == group)}


@pytest.fixture(scope="module")
def default_docs(helm: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return render(helm, tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def custom_docs(helm: str, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return render(helm, tmp_path_factory.mktemp("custom"), NON_DEFAULT)


# ---- lint ----
@pytest.mark.parametrize("strict", [False, True], ids=["lint", "lint-strict"])
@pytest.mark.parametrize("values", [None, NON_DEFAULT], ids=["defaults", "non-default"])
def test_helm_lint(helm: str, tmp_path: Path, strict: bool, values: dict[str, Any] | None) -> None:
    args = ["lint", str(CHART)]
    if strict:
        args.append("--strict")
    if values is not None:
        vf = tmp_path / "values.yaml"
        vf.write_text(yaml.safe_dump(values))
        args += ["-f", str(vf)]
    proc = run_helm(helm, *args)
    assert "0 chart(s) failed" in proc.stdout


# ---- Deployment ----
def test_deployment_defaults(default_docs: list[dict[str, Any]]) -> None:
    dep = one(default_docs, "Deployment")
    assert dep["spec"]["replicas"] == 1
    assert dep["spec"]["strategy"] == {"type": "Recreate"}
    assert dep["metadata"]["namespace"] == "cognito-sso-system"
    c = container(default_docs)
    assert c["image"] == "cognito-sso-operator:0.1.0"  # appVersion
    assert c["args"] == ["--all-namespaces", "--liveness=http://0.0.0.0:8081/healthz", "--log-format=json"]
    assert "command" not in c, "the image's ENTRYPOINT is `cognito-sso-operator run`"
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"metrics": 8080, "healthz": 8081}
    for probe in ("livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"] == {"path": "/healthz", "port": "healthz"}
    assert c["resources"] == {"requests": {"cpu": "100m", "memory": "160Mi"},
                              "limits": {"cpu": "1", "memory": "256Mi"}}
    annotations = dep["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == "8080"


def test_pod_security(default_docs: list[dict[str, Any]]) -> None:
    pod = one(default_docs, "Deployment")["spec"]["template"]["spec"]
    psc = pod["securityContext"]
    assert psc["runAsNonRoot"] is True
    assert psc["runAsUser"] == 10001
    assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
    csc = container(default_docs)["securityContext"]
    assert csc["runAsNonRoot"] is True
    assert csc["readOnlyRootFilesystem"] is True
    assert csc["allowPrivilegeEscalation"] is False
    assert csc["capabilities"] == {"drop": ["ALL"]}
    assert csc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "add" not in csc["capabilities"]
    tmp = next(v for v in pod["volumes"] if v["name"] == "tmp")
    assert "emptyDir" in tmp
    assert {"name": "tmp", "mountPath": "/tmp"} in container(default_docs)["volumeMounts"]
    assert "hostNetwork" not in pod
    assert "hostPID" not in pod


def test_every_operator_setting_is_wired(default_docs: list[dict[str, Any]]) -> None:
    """Each COGNITO_SSO_* variable settings.py reads is set by the chart (none silently defaulted)."""
    names = set(re.findall(r'_env\("([A-Z0-9_]+)"', SETTINGS.read_text()))
    assert names, "no _env(...) calls found in settings.py"
    env = env_of(default_docs)
    missing = {f"COGNITO_SSO_{n}" for n in names} - set(env)
    assert not missing, f"chart does not set {sorted(missing)}"
    assert env["COGNITO_SSO_NAMESPACES"] == ""
    assert env["COGNITO_SSO_METRICS_PORT"] == "8080"
    assert env["COGNITO_SSO_LIVENESS_PORT"] == "8081"
    assert env["COGNITO_SSO_LOG_FORMAT"] == "json"
    assert env["COGNITO_SSO_RESYNC_SECONDS"] == "60"
    assert env["COGNITO_SSO_DISCOVERY_TTL_SECONDS"] == "300"
    assert env["COGNITO_SSO_MAX_RESPONSE_BYTES"] == "262144"
    assert env["COGNITO_SSO_APP_CHECK"] == "true"
    assert env["COGNITO_SSO_AWS_CHECK"] == "false"


def test_env_values_parse_like_settings(custom_docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    from cognito_sso_operator.settings import Settings

    for name, value in env_of(custom_docs).items():
        if name.startswith("COGNITO_SSO_") and isinstance(value, str):
            monkeypatch.setenv(name, value)
    s = Settings.from_env()
    assert s.namespaces == ("om1", "om2")
    assert s.log_format == "text"
    assert s.resync_seconds == 30
    assert s.max_response_bytes == 1048576  # no float/exponent rendering of large integers


def test_chart_defaults_are_the_operator_defaults(default_docs: list[dict[str, Any]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The chart's defaults must not silently change the operator's own defaults (settings.py)."""
    from cognito_sso_operator.settings import Settings

    for name, value in env_of(default_docs).items():
        if name.startswith("COGNITO_SSO_") and isinstance(value, str):
            monkeypatch.setenv(name, value)
    assert Settings.from_env() == Settings()


def test_custom_values(custom_docs: list[dict[str, Any]]) -> None:
    c = container(custom_docs)
    assert c["image"] == "registry.example.com/cognito-sso-operator:0.1.0-rc1"
    assert c["args"] == ["--namespace=om1", "--namespace=om2", "--liveness=http://0.0.0.0:8081/healthz",
                         "--log-format=text", "--peering", "--verbose"]
    assert c["resources"]["limits"] == {"cpu": "1", "memory": "256Mi"}
    env = env_of(custom_docs)
    assert env["COGNITO_SSO_NAMESPACES"] == "om1,om2"
    assert env["COGNITO_SSO_PEERING_NAME"] == "cognito-sso-operator"
    assert env["AWS_REGION"] == "eu-west-1"
    annotations = one(custom_docs, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"example.com/team": "data"}  # no prometheus.io/* with a ServiceMonitor


def test_image_digest_wins(helm: str, tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    docs = render(helm, tmp_path, {"image": {"digest": digest}})
    assert container(docs)["image"] == f"cognito-sso-operator@{digest}"


def test_platform_assigned_uid(helm: str, tmp_path: Path) -> None:
    docs = render(helm, tmp_path, None, "--set", "securityContext.runAsUser=null",
                  "--set", "securityContext.runAsGroup=null", "--set", "securityContext.fsGroup=null")
    psc = one(docs, "Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert psc == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


# ---- RBAC ----
def _all_roles(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return of_kind(docs, "ClusterRole") + of_kind(docs, "Role")


def test_rbac_all_namespaces(default_docs: list[dict[str, Any]]) -> None:
    assert not of_kind(default_docs, "Role")
    assert not of_kind(default_docs, "RoleBinding")
    cr = one(default_docs, "ClusterRole")
    binding = one(default_docs, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == cr["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "cso-cognito-sso-operator",
                                    "namespace": "cognito-sso-system"}]
    assert grants(cr, "cognitossos", "cognito-sso.dev") == {"get", "list", "watch", "patch"}
    assert grants(cr, "cognitossos/status", "cognito-sso.dev") == {"get", "patch", "update"}
    assert grants(cr, "secrets", "") == {"get", "list", "watch", "create", "patch", "update", "delete"}
    assert grants(cr, "configmaps", "") == {"get", "list", "watch", "create", "patch", "update", "delete"}
    assert grants(cr, "deployments", "apps") == {"get", "list", "watch", "patch"}
    assert grants(cr, "statefulsets", "apps") == {"get", "list", "watch", "patch"}
    assert grants(cr, "jobs", "batch") == {"create", "get", "list", "watch", "delete"}
    assert grants(cr, "events", "") == {"create", "patch"}
    assert grants(cr, "events", "events.k8s.io") == {"create", "patch"}
    assert grants(cr, "customresourcedefinitions", "apiextensions.k8s.io") == {"get", "list", "watch"}
    assert not grants(cr, "namespaces"), "kopf never reads namespaces when it serves the whole cluster"
    assert not grants(cr, "clusterkopfpeerings")
    assert not grants(cr, "kopfpeerings")


def test_rbac_namespaced(custom_docs: list[dict[str, Any]]) -> None:
    cr = one(custom_docs, "ClusterRole")
    # cluster-wide: CRDs read-only and the namespace list (kopf follows the watched namespaces), no Secrets
    assert set(rules(cr)) == {("apiextensions.k8s.io", "customresourcedefinitions", v)
                              for v in ("get", "list", "watch")} | {("", "namespaces", "list"),
                                                                   ("", "namespaces", "watch")}
    roles = of_kind(custom_docs, "Role")
    bindings = of_kind(custom_docs, "RoleBinding")
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["om1", "om2"]
    assert sorted(b["metadata"]["namespace"] for b in bindings) == ["om1", "om2"]
    for b in bindings:
        assert b["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                "name": "cso-cognito-sso-operator"}
        assert b["subjects"][0]["namespace"] == "cognito-sso-system"
    for role in roles:
        assert grants(role, "secrets", "") == {"get", "list", "watch", "create", "patch", "update", "delete"}
        assert grants(role, "cognitossos/status") == {"get", "patch", "update"}
        assert grants(role, "kopfpeerings", "kopf.dev") == {"get", "list", "watch", "patch"}
        assert not grants(role, "namespaces")


def test_namespaced_rules_are_the_same_in_both_modes(default_docs: list[dict[str, Any]],
                                                     custom_docs: list[dict[str, Any]]) -> None:
    cluster = set(rules(one(default_docs, "ClusterRole")))
    role = set(rules(of_kind(custom_docs, "Role")[0]))
    cluster_only = {("apiextensions.k8s.io", "customresourcedefinitions"), ("", "namespaces")}
    peering = {("kopf.dev", "kopfpeerings")}
    assert {r for r in cluster if r[:2] not in cluster_only} == {r for r in role if r[:2] not in peering}


def test_no_cluster_role_grants_secrets_in_namespaced_mode(helm: str, tmp_path: Path) -> None:
    for extra in ({}, {"peering": {"enabled": True}}):
        docs = render(helm, tmp_path, {"watch": {"allNamespaces": False, "namespaces": ["om"]}, **extra})
        for cr in of_kind(docs, "ClusterRole"):
            assert not grants(cr, "secrets"), cr["metadata"]["name"]
            assert not grants(cr, "configmaps")
            assert grants(cr, "namespaces") == {"list", "watch"}


def test_no_wildcards_anywhere(helm: str, tmp_path: Path, default_docs: list[dict[str, Any]],
                               custom_docs: list[dict[str, Any]]) -> None:
    peering_all = render(helm, tmp_path, {"peering": {"enabled": True, "installCRDs": True}})
    for docs in (default_docs, custom_docs, peering_all):
        for role in _all_roles(docs):
            for rule in role["rules"]:
                for key in ("apiGroups", "resources", "verbs", "resourceNames"):
                    assert "*" not in rule.get(key, []), (role["metadata"]["name"], rule)
                assert "nonResourceURLs" not in rule


def test_rbac_create_false(helm: str, tmp_path: Path) -> None:
    docs = render(helm, tmp_path, {"rbac": {"create": False}})
    kinds = {d["kind"] for d in docs}
    assert not kinds & {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}


def test_existing_service_account(helm: str, tmp_path: Path) -> None:
    docs = render(helm, tmp_path, {"serviceAccount": {"create": False, "name": "preexisting"}})
    assert not of_kind(docs, "ServiceAccount")
    assert one(docs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "preexisting"
    assert one(docs, "ClusterRoleBinding")["subjects"][0]["name"] == "preexisting"
    proc = template(helm, tmp_path, {"serviceAccount": {"create": False}}, check=False)
    assert proc.returncode != 0
    assert "serviceAccount.name is required" in proc.stderr


# ---- peering ----
def test_peering_off_by_default(default_docs: list[dict[str, Any]]) -> None:
    assert "--peering" not in container(default_docs)["args"]
    assert "COGNITO_SSO_PEERING_NAME" not in env_of(default_docs)
    kinds = {d["kind"] for d in default_docs}
    assert not kinds & {"ClusterKopfPeering", "KopfPeering", "CustomResourceDefinition"}


def test_peering_all_namespaces(helm: str, tmp_path: Path) -> None:
    docs = render(helm, tmp_path, {"peering": {"enabled": True}})
    assert "--peering" in container(docs)["args"]
    cr = one(docs, "ClusterRole")
    assert grants(cr, "clusterkopfpeerings", "kopf.dev") == {"get", "list", "watch", "patch"}
    peering = one(docs, "ClusterKopfPeering")
    assert peering["metadata"]["name"] == "cognito-sso-operator"
    assert peering["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    assert not of_kind(docs, "CustomResourceDefinition"), "installCRDs is off by default"


def test_peering_namespaced_with_crds(custom_docs: list[dict[str, Any]]) -> None:
    peerings = of_kind(custom_docs, "KopfPeering")
    assert sorted(p["metadata"]["namespace"] for p in peerings) == ["om1", "om2"]
    assert not of_kind(custom_docs, "ClusterKopfPeering")
    crds = {d["metadata"]["name"]: d for d in of_kind(custom_docs, "CustomResourceDefinition")}
    assert set(crds) == {"clusterkopfpeerings.kopf.dev", "kopfpeerings.kopf.dev"}
    assert crds["kopfpeerings.kopf.dev"]["spec"]["scope"] == "Namespaced"
    assert crds["clusterkopfpeerings.kopf.dev"]["spec"]["scope"] == "Cluster"
    for crd in crds.values():
        assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_peering_crds_need_peering(helm: str, tmp_path: Path) -> None:
    docs = render(helm, tmp_path, {"peering": {"installCRDs": True}})
    assert not of_kind(docs, "CustomResourceDefinition")


# ---- metrics ----
def test_metrics_service(default_docs: list[dict[str, Any]]) -> None:
    svc = one(default_docs, "Service")
    assert svc["spec"]["ports"] == [{"name": "metrics", "port": 8080, "targetPort": "metrics", "protocol": "TCP"}]
    pod_labels = one(default_docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert all(pod_labels.get(k) == v for k, v in svc["spec"]["selector"].items())
    assert not of_kind(default_docs, "ServiceMonitor")


def test_service_monitor(custom_docs: list[dict[str, Any]]) -> None:
    sm = one(custom_docs, "ServiceMonitor")
    svc = one(custom_docs, "Service")
    assert sm["metadata"]["labels"]["release"] == "prometheus"
    assert all(svc["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items())
    assert sm["spec"]["endpoints"][0]["port"] == "metrics"
    assert sm["spec"]["endpoints"][0]["path"] == "/metrics"
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["cognito-sso-system"]}


def test_service_monitor_needs_service(helm: str, tmp_path: Path) -> None:
    proc = template(helm, tmp_path, {"metrics": {"service": {"enabled": False},
                                                 "serviceMonitor": {"enabled": True}}}, check=False)
    assert proc.returncode != 0
    assert "metrics.service.enabled" in proc.stderr


# ---- values.schema.json ----
@pytest.mark.parametrize("args", [
    ["--set", "unknownValue=1"],
    ["--set", "operator.unknown=1"],
    ["--set", "watch.namespace=om"],  # typo of namespaces
    ["--set", "metrics.serviceMonitor.intervall=1m"],
    ["--set", "operator.logFormat=xml"],
    ["--set", "watch.allNamespaces=false"],  # namespaced mode without a namespace
    ["--set", "watch.namespaces={Not_A_Namespace}"],
    ["--set", "extraEnv[0].name=COGNITO_SSO_LOG_FORMAT", "--set", "extraEnv[0].value=text"],
], ids=["top-level", "nested", "typo", "deep", "enum", "no-namespace", "bad-namespace", "shadow-setting"])
def test_schema_rejects(helm: str, tmp_path: Path, args: list[str]) -> None:
    proc = template(helm, tmp_path, None, *args, check=False)
    assert proc.returncode != 0, proc.stdout[:500]
    assert "schema" in proc.stderr


def test_schema_covers_every_value() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(values, schema)
    free_form = {"affinity", "global", "tolerations[]", "extraEnv[].valueFrom"}

    def walk(node: dict[str, Any], path: str) -> None:
        if node.get("type") == "object" or "properties" in node:
            ap = node.get("additionalProperties")
            if path not in free_form:
                assert ap is False or (isinstance(ap, dict) and ap.get("type") == "string"), (
                    f"{path or '<root>'}: objects must be closed (additionalProperties: false) or string maps")
            for key, sub in (node.get("properties") or {}).items():
                walk(sub, f"{path}.{key}" if path else key)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]")

    walk(schema, "")

    def leaves(v: Any, s: dict[str, Any], path: str) -> None:
        if isinstance(v, dict) and "properties" in s:
            for key, sub in v.items():
                assert key in s["properties"], f"{path}.{key} is not in values.schema.json"
                leaves(sub, s["properties"][key], f"{path}.{key}")

    leaves(values, schema, "")


# ---- CRD ----
def test_chart_crd_is_a_copy_of_crds_dir() -> None:
    chart_crd = CHART / "crds" / CRD_NAME
    assert not chart_crd.is_symlink(), "a copy, not a symlink: Flux and Argo CD skip symlinks leaving the chart"
    assert chart_crd.read_bytes() == (ROOT / "crds" / CRD_NAME).read_bytes(), (
        "helm/cognito-sso-operator/crds/ drifted from crds/: run `make crds`")
    assert sorted(p.name for p in (CHART / "crds").iterdir()) == [CRD_NAME]


def test_crd_ships_with_chart(helm: str) -> None:
    proc = run_helm(helm, "show", "crds", str(CHART))
    crds = [d for d in yaml.safe_load_all(proc.stdout) if d]
    assert [c["metadata"]["name"] for c in crds] == ["cognitossos.cognito-sso.dev"]


def test_package_contains_crd(helm: str, tmp_path: Path) -> None:
    run_helm(helm, "package", str(CHART), "--destination", str(tmp_path))
    pkg = next(tmp_path.glob("cognito-sso-operator-*.tgz"))
    with tarfile.open(pkg) as tar:
        names = tar.getnames()
        member = tar.extractfile(f"cognito-sso-operator/crds/{CRD_NAME}")
        assert member is not None
        assert member.read() == (ROOT / "crds" / CRD_NAME).read_bytes()
    assert "cognito-sso-operator/values.schema.json" in names


def test_chart_metadata() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["appVersion"] == "0.1.0"
    from cognito_sso_operator import __version__

    assert chart["appVersion"] == __version__


def test_namespaced_example_values(helm: str) -> None:
    proc = run_helm(helm, "template", "cso", str(CHART), "-f", str(ROOT / "examples" / "values-namespaced.yaml"))
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    assert sorted(r["metadata"]["namespace"] for r in of_kind(docs, "Role")) == [
        "openmetadata", "openmetadata-staging"]
