"""The session's leak check; `zz` so it runs after every other integration module (pytest runs files in order).

It looks for every client secret value the session used (tests/secrets_registry.py: registered by tests and
harvested from the Secrets the CognitoSSOs referenced) in everything the session produced that must never
hold one:
* Events, ConfigMaps, CognitoSSO objects (spec and status), workloads, Jobs and operator-written Secrets of
  every test namespace, snapshotted before the namespace was deleted (tests/integration/leak_evidence.py),
  plus every namespace still present now;
* every operator log file under the session's basetemp (log lines, exception messages and tracebacks);
* the operator metrics text kept by the tests.
The only places a client secret may be: the Secret the user wrote and OIDC_CLIENT_SECRET of the operator's
credentials Secret. tests/unit/test_reliability_leak_scanner.py shows this check fails on a planted secret.
"""

from __future__ import annotations

import pytest
from kubernetes import client

from cognito_sso_operator.cognito_standin import CognitoStandIn
from tests import reliability_stats, secrets_registry

from .leak_evidence import snapshot_namespace
from .operator_harness import Kube

pytestmark = pytest.mark.reliability

SYSTEM_NAMESPACES = {"kube-system", "kube-public", "kube-node-lease"}


def test_no_client_secret_leaked_anywhere(kube_api: client.ApiClient, cognito: CognitoStandIn, crd: None,
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    secrets_registry.remember(cognito.client_secret)
    kube = Kube(kube_api)
    for ns in kube.core.list_namespace().items:
        if ns.metadata.name not in SYSTEM_NAMESPACES:
            snapshot_namespace(kube, ns.metadata.name)

    secrets = secrets_registry.values()
    artefacts = secrets_registry.artefacts()
    logs = sorted(p for p in tmp_path_factory.getbasetemp().rglob("operator*.log"))
    files, log_leaks = secrets_registry.scan_files(logs, secrets)
    leaks = secrets_registry.scan(artefacts, secrets) + log_leaks
    errors = secrets_registry.errors()
    reliability_stats.leak_check(secret_values=len(secrets), artefacts=len(artefacts), operator_log_files=files,
                                 log_bytes=sum(p.stat().st_size for p in logs), leaks=len(leaks),
                                 unseen=len(errors))

    assert secrets, "no secret values registered: the leak check would prove nothing"
    assert artefacts or files, "no evidence collected: the leak check would prove nothing"
    assert not errors, f"evidence that could not be collected: {errors[:10]}"
    assert not leaks, f"{len(leaks)} leak(s):\n" + "\n".join(str(leak) for leak in leaks[:50])
