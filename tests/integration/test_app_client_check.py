"""With AWS credentials (IRSA in production, moto here) the operator also checks the Cognito app client:
a Secret that no longer holds the client's current secret is caught before it locks users out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane

from .operator_harness import Kube, OperatorProcess, spec_for


@pytest.fixture(scope="module")
def aws_operator(control_plane: ControlPlane, cognito: CognitoStandIn, crd: None,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    proc = OperatorProcess(
        control_plane, cognito.endpoint_url, Path(tmp_path_factory.mktemp("aws-operator")),
        COGNITO_SSO_AWS_CHECK="true", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=cognito.region,
    )
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def test_stale_client_secret_is_stalled_then_recovers(aws_operator: OperatorProcess, kube: Kube, namespace: str,
                                                      cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", "a-stale-secret-value-that-cognito-forgot")
    kube.deployment(namespace)
    gen = kube.generation(namespace)
    kube.create_cr(namespace, spec_for(cognito))
    ready = kube.wait_condition(namespace, "Ready", "False", reason="StaleClientSecret")
    assert "a-stale-secret-value" not in ready["message"]
    assert kube.condition(namespace, "Stalled")["status"] == "True"  # type: ignore[index]
    assert kube.config_map(namespace) is None  # nothing rendered from a secret Cognito would reject
    assert kube.generation(namespace) == gen

    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.wait_condition(namespace, "Ready", "True", timeout=60)
    assert kube.generation(namespace) == gen + 1
    assert "a-stale-secret-value" not in aws_operator.logs()


def test_callback_not_registered_on_the_app_client(aws_operator: OperatorProcess, kube: Kube, namespace: str,
                                                   cognito: CognitoStandIn) -> None:
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    kube.create_cr(namespace, spec_for(cognito, oidc={"serverUrl": "https://elsewhere.example.com"}))
    ready = kube.wait_condition(namespace, "Ready", "False")
    assert "callback" in ready["message"].lower()
