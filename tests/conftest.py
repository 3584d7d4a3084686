"""Shared fixtures: a real control plane (etcd + kube-apiserver + kube-controller-manager) and a Cognito
stand-in (moto), both started once per session.

Integration tests are never skipped for lack of infrastructure: if the control plane or the stand-in
cannot start, their fixtures raise and the tests error out, with the reason (and log tails) in the
message. Every test under tests/integration/ is marked `integration` automatically, so
`pytest -m "not integration"` runs the unit tests alone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane

INTEGRATION_DIR = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    """The session's control plane. Honours TEST_USE_EXISTING_CLUSTER and KUBEBUILDER_ASSETS."""
    plane = ControlPlane()
    plane.start()  # raises EnvtestError with the log tail if it cannot start: a failure, never a skip
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def cognito() -> Iterator[CognitoStandIn]:
    """moto as Cognito, with one OpenMetadata-style pool. In a child process, so `moto.mock_aws()` in a
    unit test (which resets moto's in-process state) cannot wipe it."""
    standin = CognitoStandIn.start(in_process=False)
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def kube_api(control_plane: ControlPlane) -> Iterator[client.ApiClient]:
    """A kubernetes ApiClient authenticated as the control plane's admin."""
    api = config.new_client_from_config(config_file=str(control_plane.kubeconfig))
    try:
        yield api
    finally:
        api.close()


def _namespace_name(node_name: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", node_name.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)[:40].strip("-") or "test"
    return f"t-{slug}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def namespace(request: pytest.FixtureRequest, kube_api: client.ApiClient) -> Iterator[str]:
    """A fresh, uniquely named namespace, deleted after the test (deletion is not awaited)."""
    name = _namespace_name(request.node.name)
    core = client.CoreV1Api(kube_api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    try:
        yield name
    finally:
        try:
            core.delete_namespace(name)
        except client.ApiException as exc:
            if exc.status != 404:
                raise
