"""Shared helpers of the reliability tests (tests/integration/test_reliability_*.py)."""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from cognito_sso_operator.envtest import ControlPlane
from tests import secrets_registry

from .operator_harness import Kube, OperatorProcess, wait_for

WRITE_KINDS = ("cm/", "secret/")


def settled(kube: Kube, ns: str, name: str = "sso", timeout: float = 60.0) -> None:
    """Ready, and the rollout reported: nothing left for the operator to write."""
    kube.wait_condition(ns, "Ready", "True", name=name, timeout=timeout)
    kube.wait_condition(ns, "RolloutComplete", "True", name=name, timeout=timeout)


def children(kube: Kube, ns: str) -> dict[str, str]:
    """resourceVersions of the ConfigMaps and Secrets in `ns` (the rendered config and its inputs)."""
    return {k: v for k, v in kube.versions(ns).items() if k.startswith(WRITE_KINDS)}


def poke(kube: Kube, ns: str, name: str = "sso") -> None:
    """A metadata-only edit: triggers a reconcile, changes nothing that is rendered."""
    kube.patch_cr(ns, {"metadata": {"labels": {"reliability.cognito-sso.dev/poke": str(time.monotonic_ns())}}},
                  name=name)


def proxied_kubeconfig(plane: ControlPlane, server: str, path: Path) -> Path:
    """The admin kubeconfig with another server URL (a proxy on loopback, plain HTTP)."""
    assert plane.admin_token is not None
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "proxied",
        "clusters": [{"name": "proxied", "cluster": {"server": server}}],
        "users": [{"name": "admin", "user": {"token": plane.admin_token}}],
        "contexts": [{"name": "proxied", "context": {"cluster": "proxied", "user": "admin"}}],
    }))
    path.chmod(0o600)
    return path


TRACEBACK = re.compile(r"Traceback \(most recent call last\)")


def traceback_count(op: OperatorProcess) -> int:
    return sum(len(TRACEBACK.findall(p.read_text(errors="replace"))) for p in op.log_dir.glob("operator-*.log"))


def assert_alive_and_calm(op: OperatorProcess, *, since_tracebacks: int = 0, max_new: int = 0) -> None:
    """The operator process is running and has not been logging tracebacks (no crash loop)."""
    assert op.proc is not None
    assert op.proc.poll() is None, f"operator exited with {op.proc.returncode}; log {op.log_path}"
    new = traceback_count(op) - since_tracebacks
    assert new <= max_new, f"{new} new tracebacks in the operator log {op.log_path}"


def keep_evidence(op: OperatorProcess, label: str) -> None:
    """Metrics text for the session's leak check (logs are scanned from disk at the end)."""
    secrets_registry.add_artefact(f"metrics:{label}", op.metrics_text())


class MetricWatch:
    """Polls one operator metric in a thread and timestamps every increase."""

    def __init__(self, op: OperatorProcess, name: str, interval: float = 0.1) -> None:
        self.op, self.name, self.interval = op, name, interval
        self.changes: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last: float | None = None
        while not self._stop.is_set():
            value = self.op.metric(self.name)
            if value is not None:
                if last is not None and value > last:
                    self.changes.append((time.monotonic(), value))
                last = value
            self._stop.wait(self.interval)

    def times(self) -> list[float]:
        return [t for t, _ in self.changes]

    def __enter__(self) -> MetricWatch:
        self._thread.start()
        time.sleep(3 * self.interval)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(5)


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 3) for a, b in itertools.pairwise(times)]


def assert_exponential(gap_list: list[float], *, minus: float = 0.0) -> None:
    """Retry gaps grow like the work queue's backoff (1 s, 2 s, 4 s, ... with +-20 % jitter, capped at 60 s).

    `minus` removes a known constant per attempt (e.g. the HTTP timeout a slow fetch waits out)."""
    adjusted = [g - minus for g in gap_list]
    assert len(adjusted) >= 3, adjusted
    assert adjusted[0] >= 0.5, f"retried too fast (no backoff): {gap_list}"
    for before, after in itertools.pairwise(adjusted):
        assert after > before * 1.15, f"retry gaps do not grow: {gap_list}"
    assert adjusted[-1] >= 2 * adjusted[0], f"retry gaps do not grow exponentially: {gap_list}"
    assert max(adjusted) <= 60 * 1.2 + 5, f"retry gap beyond the 60 s cap: {gap_list}"


@contextlib.contextmanager
def extra_namespace(kube: Kube, prefix: str) -> Iterator[str]:
    """A second namespace (for cross-namespace tests), snapshotted for the leak check, then deleted."""
    import uuid

    from kubernetes import client

    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    kube.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    try:
        yield name
    finally:
        from .leak_evidence import snapshot_namespace

        snapshot_namespace(kube, name)
        with contextlib.suppress(client.ApiException):
            kube.core.delete_namespace(name)


def wait_generation(kube: Kube, ns: str, generation: int, timeout: float = 30.0) -> None:
    wait_for(lambda: kube.generation(ns) == generation, timeout=timeout, what=f"Deployment generation {generation}")
