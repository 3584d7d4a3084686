"""Fixtures for tests that run the operator itself: the CRD installed, one operator process per
module, and the API helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane

from .operator_harness import CRD_FILE, Kube, OperatorProcess


@pytest.fixture(scope="session")
def crd(control_plane: ControlPlane) -> None:
    control_plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD_FILE))
    control_plane.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                          "crd/cognitossos.cognito-sso.dev")


@pytest.fixture(scope="module")
def operator(control_plane: ControlPlane, cognito: CognitoStandIn, crd: None,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    proc = OperatorProcess(control_plane, cognito.endpoint_url, Path(tmp_path_factory.mktemp("operator")))
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def kube(kube_api: client.ApiClient) -> Kube:
    return Kube(kube_api)


# ---- reliability suite (issue #6): leak-check evidence. Self-contained; see tests/integration/leak_evidence.py.
from .leak_evidence import leak_evidence  # noqa: E402, F401  (autouse: snapshots each test namespace)
