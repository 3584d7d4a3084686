"""Runs the real operator (`cognito-sso-operator run`) as a child process against the test control
plane and the Cognito stand-in, and offers the small API helpers the reconcile tests share."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import client

from cognito_sso_operator.envtest import ControlPlane
from cognito_sso_operator.settings import CONFIG_HASH_ANNOTATION

REPO = Path(__file__).resolve().parents[2]
CRD_FILE = REPO / "crds" / "cognitossos.cognito-sso.dev.yaml"
GROUP, VERSION, PLURAL = "cognito-sso.dev", "v1alpha1", "cognitossos"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}; last value: {last!r}")


class OperatorProcess:
    """One operator process; `restart()` kills it hard (SIGKILL) and starts a fresh one."""

    def __init__(self, plane: ControlPlane, endpoint_url: str, log_dir: Path, **env: str) -> None:
        self.plane = plane
        self.endpoint_url = endpoint_url
        self.log_dir = log_dir
        self.extra_env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0
        self.starts = 0
        self.log_path = log_dir / "operator-0.log"

    def start(self) -> None:
        self.metrics_port = free_port()
        self.starts += 1
        self.log_path = self.log_dir / f"operator-{self.starts}.log"
        env = {
            **self.plane.env(),
            "COGNITO_SSO_COGNITO_ENDPOINT_URL": self.endpoint_url,
            "COGNITO_SSO_METRICS_PORT": str(self.metrics_port),
            "COGNITO_SSO_LIVENESS_PORT": "0",
            "COGNITO_SSO_RESYNC_SECONDS": "3",
            "COGNITO_SSO_APP_CHECK_TIMEOUT_SECONDS": "1",
            "COGNITO_SSO_APP_CHECK_EXTRA_HOSTS": "127.0.0.1",  # the tests' stand-in for OpenMetadata
            "COGNITO_SSO_LOG_FORMAT": "json",
            **self.extra_env,
        }
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cognito_sso_operator.cli", "run", "--all-namespaces", "--verbose"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        wait_for(lambda: self.metric("cognito_sso_reconcile_total") is not None, timeout=60,
                 what=f"operator metrics endpoint (log: {self.log_path})")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop(signal.SIGKILL)
        self.start()

    def metrics_text(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as resp:
                return str(resp.read().decode())
        except OSError:
            return None

    def metric(self, name: str, labels: str = "") -> float | None:
        """The sum of a metric's samples (optionally only those whose label text contains `labels`)."""
        text = self.metrics_text()
        if text is None:
            return None
        total, seen = 0.0, False
        for line in text.splitlines():
            if line.startswith(name) and (line[len(name)] in " {") and labels in line:
                total += float(line.rsplit(" ", 1)[1])
                seen = True
        return total if seen else (0.0 if f"# TYPE {name.removesuffix('_total')}" in text else None)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Kube:
    """Typed shortcuts over the kubernetes client for the tests."""

    def __init__(self, api: client.ApiClient) -> None:
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.batch = client.BatchV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def secret(self, ns: str, name: str, value: str, *, key: str = "clientSecret", labelled: bool = False) -> None:
        labels = {"cognito-sso.dev/watch": "true"} if labelled else None
        body = client.V1Secret(metadata=client.V1ObjectMeta(name=name, labels=labels),
                               data={key: base64.b64encode(value.encode()).decode()})
        try:
            self.core.create_namespaced_secret(ns, body)
        except client.ApiException as exc:
            if exc.status != 409:
                raise
            self.core.patch_namespaced_secret(name, ns, {"data": body.data})

    def deployment(self, ns: str, name: str = "openmetadata", replicas: int = 0) -> None:
        labels = {"app": name}
        self.apps.create_namespaced_deployment(ns, {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "server", "image": "openmetadata/server:1.13.1",
                                         "envFrom": [{"configMapRef": {"name": "sso-sso-env"}}]}]}}},
        })

    def get_deployment(self, ns: str, name: str = "openmetadata") -> dict[str, Any]:
        return dict(self.apps.api_client.sanitize_for_serialization(self.apps.read_namespaced_deployment(name, ns)))

    def generation(self, ns: str, name: str = "openmetadata") -> int:
        return int(self.get_deployment(ns, name)["metadata"]["generation"])

    def config_hash(self, ns: str, name: str = "openmetadata") -> str | None:
        ann = self.get_deployment(ns, name)["spec"]["template"]["metadata"].get("annotations") or {}
        return ann.get(CONFIG_HASH_ANNOTATION)

    def cr(self, ns: str, name: str = "sso") -> dict[str, Any]:
        return dict(self.custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name))

    def create_cr(self, ns: str, spec: Mapping[str, Any], name: str = "sso") -> None:
        self.custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, {
            "apiVersion": f"{GROUP}/{VERSION}", "kind": "CognitoSSO", "metadata": {"name": name}, "spec": spec})

    def patch_cr(self, ns: str, patch: Mapping[str, Any], name: str = "sso") -> None:
        self.custom.patch_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name, patch)

    def condition(self, ns: str, type_: str, name: str = "sso") -> dict[str, Any] | None:
        for cond in (self.cr(ns, name).get("status") or {}).get("conditions") or []:
            if cond["type"] == type_:
                return dict(cond)
        return None

    def wait_condition(self, ns: str, type_: str, status: str, *, reason: str | None = None, name: str = "sso",
                       timeout: float = 30.0) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            cond = self.condition(ns, type_, name)
            if cond and cond["status"] == status and (reason is None or cond["reason"] == reason):
                cr = self.cr(ns, name)
                if cr["status"].get("observedGeneration") == cr["metadata"]["generation"]:
                    return cond
            return None
        return wait_for(check, timeout=timeout, what=f"{type_}={status} reason={reason} on {ns}/{name}")

    def config_map(self, ns: str, name: str = "sso-sso-env") -> dict[str, str] | None:
        try:
            return dict(self.core.read_namespaced_config_map(name, ns).data or {})
        except client.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def versions(self, ns: str) -> dict[str, str]:
        """resourceVersion of everything the operator may write in `ns` (zero-write checks)."""
        out = {f"cm/{c.metadata.name}": c.metadata.resource_version
               for c in self.core.list_namespaced_config_map(ns).items}
        out |= {f"secret/{s.metadata.name}": s.metadata.resource_version
                for s in self.core.list_namespaced_secret(ns).items}
        out |= {f"deploy/{d.metadata.name}": d.metadata.resource_version
                for d in self.apps.list_namespaced_deployment(ns).items}
        crs = self.custom.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL)["items"]
        out |= {f"csso/{c['metadata']['name']}": c["metadata"]["resourceVersion"] for c in crs}
        return out

    def events(self, ns: str, reason: str | None = None) -> list[client.CoreV1Event]:
        items = self.core.list_namespaced_event(ns).items
        return [e for e in items if reason is None or e.reason == reason]


def spec_for(pool: Any, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "authority": pool.authority,
        "oidc": {"clientId": pool.client_id, "clientSecretRef": {"name": "cognito-client"},
                 "serverUrl": "https://openmetadata.example.com"},
        "authorizer": {"adminPrincipals": ["admin@example.com"], "principalDomain": "example.com"},
        "target": {"deploymentName": "openmetadata"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(spec.get(key), dict):
            spec[key] = {**spec[key], **value}
        else:
            spec[key] = value
    return spec


def decode(value: str) -> Any:
    return json.loads(value)
