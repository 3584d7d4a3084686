"""Evidence for the session's leak check: before a test's namespace is deleted (the namespace controller
removes its Events, ConfigMaps and status with it), keep what must never hold a client secret.

`leak_evidence` is an autouse fixture (imported by tests/integration/conftest.py). For every integration
test that uses the `namespace` fixture it
* remembers the client secret values the test handed to the operator (the Secrets its CognitoSSOs
  reference, and the `cognito` stand-in's secret), and
* at teardown, before the namespace goes, snapshots that namespace's Events, ConfigMaps, CognitoSSOs,
  workloads, Jobs and operator-written Secrets (see `secrets_registry.objects_to_artefacts`), plus the
  module operator's metrics text.
Operator logs stay on disk under the session's basetemp; test_zz_leak_check.py scans them at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests import secrets_registry

from .operator_harness import GROUP, PLURAL, VERSION, Kube


def _items(api: client.ApiClient, listing: Any) -> list[dict[str, Any]]:
    return [dict(api.sanitize_for_serialization(i)) for i in listing.items]


def namespace_objects(kube: Kube, ns: str) -> dict[str, list[dict[str, Any]]]:
    api = kube.core.api_client
    crs = kube.custom.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL)["items"]
    return {
        "Event": _items(api, kube.core.list_namespaced_event(ns)),
        "ConfigMap": _items(api, kube.core.list_namespaced_config_map(ns)),
        "Secret": _items(api, kube.core.list_namespaced_secret(ns)),
        "CognitoSSO": [dict(c) for c in crs],
        "Deployment": _items(api, kube.apps.list_namespaced_deployment(ns)),
        "StatefulSet": _items(api, kube.apps.list_namespaced_stateful_set(ns)),
        "Job": _items(api, kube.batch.list_namespaced_job(ns)),
    }


def snapshot_namespace(kube: Kube, ns: str) -> int:
    """Keep `ns`'s artefacts for the leak check; returns how many were kept (errors are noted, not raised)."""
    try:
        objects = namespace_objects(kube, ns)
    except Exception as exc:  # the check must know what it could not see
        secrets_registry.note_error(f"namespace {ns}: {type(exc).__name__}: {str(exc)[:200]}")
        return 0
    for value in secrets_registry.referenced_secret_values(objects["Secret"], objects["CognitoSSO"]):
        secrets_registry.remember(value)
    artefacts = secrets_registry.objects_to_artefacts(ns, objects)
    for item in artefacts:
        secrets_registry.add_artefact(item.where, item.text)
    return len(artefacts)


@pytest.fixture(autouse=True)
def leak_evidence(request: pytest.FixtureRequest) -> Iterator[None]:
    if "namespace" not in request.fixturenames:
        yield
        return
    # Requested here (not just listed) so the namespace is torn down after this fixture's teardown.
    ns: str = request.getfixturevalue("namespace")
    api: client.ApiClient = request.getfixturevalue("kube_api")
    if "cognito" in request.fixturenames:
        secrets_registry.remember(request.getfixturevalue("cognito").client_secret)
    yield
    kube = Kube(api)
    snapshot_namespace(kube, ns)
    if "operator" in request.fixturenames:
        op = request.getfixturevalue("operator")
        secrets_registry.add_artefact(f"metrics:{request.node.nodeid}", op.metrics_text())
