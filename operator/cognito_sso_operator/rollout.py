"""Restart decisions and the objects behind them, as pure functions over plain dicts.

A restart is a change of one pod-template annotation (the config hash) applied under our own
field manager, so GitOps tools that own the rest of the workload never fight over it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .settings import CONFIG_HASH_ANNOTATION

RESET_COMMAND = ["./bootstrap/openmetadata-ops.sh", "remove-security-config", "--force"]
RESET_JOB_LABEL = "cognito-sso.dev/reset-for"


def current_hash(workload: Mapping[str, Any]) -> str | None:
    annotations = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("annotations")
    value = (annotations or {}).get(CONFIG_HASH_ANNOTATION)
    return str(value) if value is not None else None


def build_hash_patch(workload: Mapping[str, Any], config_hash: str) -> dict[str, Any]:
    """Server-side apply document that owns only the hash annotation of the pod template."""
    meta = workload["metadata"]
    return {
        "apiVersion": workload.get("apiVersion", "apps/v1"),
        "kind": workload["kind"],
        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
        "spec": {"template": {"metadata": {"annotations": {CONFIG_HASH_ANNOTATION: config_hash}}}},
    }


def rollout_state(workload: Mapping[str, Any], config_hash: str) -> tuple[bool, str]:
    """(complete, message) for the workload's rollout onto `config_hash`, as `kubectl rollout status`."""
    if current_hash(workload) != config_hash:
        return False, "The workload does not carry the rendered config hash yet."
    meta, spec, status = workload["metadata"], workload.get("spec") or {}, workload.get("status") or {}
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        return False, "Waiting for the workload controller to observe the new pod template."
    desired = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    ready = status.get("readyReplicas", 0) if workload["kind"] == "StatefulSet" else status.get(
        "availableReplicas", 0)
    total = status.get("replicas", 0)
    if updated < desired:
        return False, f"{updated} of {desired} replicas run the new config."
    if total > updated:
        return False, f"{total - updated} old replicas are still terminating."
    if ready < desired:
        return False, f"{ready} of {desired} updated replicas are available."
    return True, f"All {desired} replicas run the rendered config."


def reset_job_name(cr_name: str, config_hash: str) -> str:
    return f"{cr_name[:200]}-sso-reset-{config_hash[:10]}"


def build_reset_job(
    workload: Mapping[str, Any], cr_name: str, config_hash: str, owner: Mapping[str, Any],
) -> dict[str, Any]:
    """A Job from the workload's own pod template (same image, env, envFrom) that forgets the
    SSO settings OpenMetadata stored in its database, so the rendered config applies on restart."""
    template = copy.deepcopy((workload.get("spec") or {}).get("template") or {})
    pod_spec = template.get("spec") or {}
    containers = pod_spec.get("containers") or []
    if not containers:
        raise ValueError("the workload's pod template has no containers")
    main = containers[0]
    container = {
        k: main[k] for k in ("image", "imagePullPolicy", "env", "envFrom", "volumeMounts", "securityContext",
                             "resources", "workingDir") if k in main
    }
    container["name"] = "remove-security-config"
    container["command"] = RESET_COMMAND
    container.setdefault("workingDir", "/opt/openmetadata")
    job_pod_spec = {k: v for k, v in pod_spec.items()
                    if k in ("serviceAccountName", "imagePullSecrets", "volumes", "securityContext",
                             "nodeSelector", "tolerations", "affinity")}
    job_pod_spec.update({"containers": [container], "restartPolicy": "Never"})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": reset_job_name(cr_name, config_hash),
            "namespace": workload["metadata"]["namespace"],
            "labels": {RESET_JOB_LABEL: cr_name[:63], "app.kubernetes.io/managed-by": "cognito-sso-operator"},
            "annotations": {CONFIG_HASH_ANNOTATION: config_hash},
            "ownerReferences": [owner_reference(owner)],
        },
        "spec": {
            "backoffLimit": 2,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": {RESET_JOB_LABEL: cr_name[:63]}}, "spec": job_pod_spec},
        },
    }


def job_state(job: Mapping[str, Any]) -> str:
    """Succeeded, Failed or Running, from the Job's conditions and counters."""
    status = job.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "SuccessCriteriaMet"):
            return "Succeeded"
        if cond.get("status") == "True" and cond.get("type") in ("Failed", "FailureTarget"):
            return "Failed"
    if status.get("succeeded", 0) > 0:
        return "Succeeded"
    return "Running"


def owner_reference(owner: Mapping[str, Any]) -> dict[str, Any]:
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def app_drift(served: Mapping[str, Any], env: Mapping[str, str]) -> list[str]:
    """Differences between OpenMetadata's served /system/config/auth and the rendered env."""
    def want(key: str) -> Any:
        raw = env.get(key)
        return None if raw is None else json.loads(raw)

    checks = [
        ("provider", "AUTHENTICATION_PROVIDER"),
        ("authority", "AUTHENTICATION_AUTHORITY"),
        ("clientId", "AUTHENTICATION_CLIENT_ID"),
        ("callbackUrl", "AUTHENTICATION_CALLBACK_URL"),
    ]
    diffs = []
    for field, key in checks:
        expected = want(key)
        if expected is not None and served.get(field) != expected:
            diffs.append(f"{field} is {served.get(field)!r}, rendered {expected!r}")
    keys = want("AUTHENTICATION_PUBLIC_KEYS")
    if keys is not None and sorted(served.get("publicKeyUrls") or []) != sorted(keys):
        diffs.append(f"publicKeyUrls are {served.get('publicKeyUrls')!r}, rendered {keys!r}")
    return diffs


_SAFE_PATH = re.compile(r"^[A-Za-z0-9/._-]*$")


def app_check_url(
    service_url: str | None, workload_name: str, namespace: str, server_url: str, extra_hosts: tuple[str, ...] = (),
) -> tuple[str | None, str]:
    """(URL of OpenMetadata's served auth config, why refused). The URL comes from the spec, so the operator
    only calls OpenMetadata: a Service in the object's own namespace, the public serverUrl host, or a host the
    operator's admin allowed (COGNITO_SSO_APP_CHECK_EXTRA_HOSTS). Never a bare name (it would resolve in the
    operator's namespace), userinfo, a query or a fragment."""
    base = (service_url or f"http://{workload_name}.{namespace}.svc:8585").rstrip("/")
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    problem = ""
    if parts.scheme not in ("http", "https") or not host:
        problem = "it is not an absolute http(s) URL"
    elif parts.username or parts.password or parts.query or parts.fragment or "@" in parts.netloc:
        problem = "it carries userinfo, a query or a fragment"
    elif not _SAFE_PATH.match(parts.path):
        problem = "its path has characters other than letters, digits, '/', '.', '_' and '-'"
    else:
        labels = host.split(".")
        in_namespace = len(labels) >= 2 and labels[1] == namespace and (len(labels) == 2 or labels[2] == "svc")
        public = host == (urlsplit(server_url).hostname or "").lower()
        if not (in_namespace or public or host in extra_hosts):
            problem = (f"its host {host} is neither a Service in namespace {namespace} (<service>.{namespace}.svc) nor "
                       "the serverUrl host")
    if problem:
        return None, f"spec.target.serviceUrl is refused: {problem}."
    return f"{base}/api/v1/system/config/auth", ""
