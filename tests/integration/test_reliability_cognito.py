"""Cognito faults: discovery/JWKS unreachable, slow, 5xx, invalid JSON, oversized, redirect loop, a changed
issuer, a reset JWKS connection.

The operator fetches Cognito through `CognitoFaultProxy` (COGNITO_SSO_COGNITO_ENDPOINT_URL), which forwards to
the moto stand-in until a test switches it to a fault. Discovery is cached for 1 s and the HTTP timeout is 1 s,
so every reconcile really goes to "Cognito"; the resync is off (600 s), so every retry we see is the operator's
own backoff. For each fault:
* the last good rendered config stays untouched (ConfigMap and credentials Secret resourceVersions) and the
  application is not restarted (Deployment generation);
* Ready=False with the fault's own reason;
* the fetch is retried with exponential backoff (gaps between attempts grow 1 s, 2 s, 4 s, ...);
* once Cognito is back, Ready=True again by itself, still without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane
from tests import reliability_stats

from .faultproxy import CognitoFaultProxy
from .operator_harness import Kube, OperatorProcess, spec_for, wait_for
from .reliability_harness import (
    MetricWatch,
    assert_alive_and_calm,
    assert_exponential,
    children,
    gaps,
    keep_evidence,
    poke,
    settled,
    traceback_count,
)

pytestmark = pytest.mark.reliability

HTTP_TIMEOUT = 1.0
ATTEMPTS = 4  # 3 gaps: ~1 s, ~2 s, ~4 s


@pytest.fixture(scope="module")
def cognito_proxy(cognito: CognitoStandIn) -> Iterator[CognitoFaultProxy]:
    other = cognito.authority.rsplit("_", 1)[0] + "_Imp0ster"
    proxy = CognitoFaultProxy(cognito.endpoint_url, other_issuer=other, slow_seconds=3 * HTTP_TIMEOUT).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def flaky_operator(control_plane: ControlPlane, cognito_proxy: CognitoFaultProxy, crd: None,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    proc = OperatorProcess(
        control_plane, cognito_proxy.url, Path(tmp_path_factory.mktemp("operator-cognito-faults")),
        COGNITO_SSO_DISCOVERY_TTL_SECONDS="1", COGNITO_SSO_HTTP_TIMEOUT_SECONDS=str(HTTP_TIMEOUT),
        COGNITO_SSO_RESYNC_SECONDS="600")
    proc.start()
    yield proc
    keep_evidence(proc, "cognito-faults")
    proc.stop()


# mode -> (Ready reason, does the fetch itself fail (failure metric), seconds each attempt waits out)
FAULTS = {
    "unreachable": ("DiscoveryUnreachable", True, 0.0),
    "slow": ("DiscoveryTimeout", True, HTTP_TIMEOUT),
    "http-5xx": ("DiscoveryHTTPError", True, 0.0),
    "invalid-json": ("DiscoveryInvalidJSON", True, 0.0),
    "oversized": ("DiscoveryTooLarge", True, 0.0),
    "redirect-loop": ("DiscoveryTooManyRedirects", True, 0.0),
    "issuer-changed": ("IssuerMismatch", False, 0.0),
    "jwks-reset": ("DiscoveryUnreachable", True, 0.0),
}


@pytest.mark.parametrize("mode", list(FAULTS))
def test_cognito_fault_keeps_last_good_config_and_recovers(
        mode: str, flaky_operator: OperatorProcess, cognito_proxy: CognitoFaultProxy, kube: Kube,
        namespace: str, cognito: CognitoStandIn) -> None:
    reason, fetch_fails, per_attempt = FAULTS[mode]
    op, proxy = flaky_operator, cognito_proxy
    proxy.set_mode("ok")
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    kube.create_cr(namespace, spec_for(cognito))
    settled(kube, namespace)
    generation, config_hash = kube.generation(namespace), kube.config_hash(namespace)
    env, versions = kube.config_map(namespace), children(kube, namespace)
    tracebacks = traceback_count(op)
    faults_before = dict(proxy.faults)
    time.sleep(1.2)  # the cached discovery (TTL 1 s) has expired

    # Attempts are clocked by the reconcile counter: nothing else triggers this object during the fault (no
    # resync, the workload is settled), and a check failure after a good fetch (issuer) is an attempt too.
    with (MetricWatch(op, "cognito_sso_reconcile_total") as reconciles,
          MetricWatch(op, "cognito_sso_discovery_fetch_failures_total") as failures):
        proxy.set_mode(mode)
        poke(kube, namespace)
        cond = kube.wait_condition(namespace, "Ready", "False", reason=reason, timeout=30)
        wait_for(lambda: len(reconciles.times()) >= ATTEMPTS, timeout=40, what=f"{ATTEMPTS} attempts")
        attempts = reconciles.times()
        if fetch_fails:
            wait_for(lambda: len(failures.times()) >= ATTEMPTS - 1, timeout=10, what="failure metric")

        # Nothing was written or restarted while Cognito misbehaved.
        assert kube.config_map(namespace) == env
        assert children(kube, namespace) == versions
        assert kube.generation(namespace) == generation
        assert kube.config_hash(namespace) == config_hash
        assert_exponential(gaps(attempts[:ATTEMPTS]), minus=per_attempt)
        if mode != "unreachable":  # (a mismatching issuer is cached for the TTL: not refetched every time)
            produced = proxy.faults.get(mode, 0) - faults_before.get(mode, 0)
            assert produced >= (2 if mode == "issuer-changed" else ATTEMPTS - 1), "the fault was not produced"

        # Cognito comes back: Ready again by itself, without a restart and without rewriting the config.
        proxy.set_mode("ok")
        recovered = time.monotonic()
        kube.wait_condition(namespace, "Ready", "True", reason="Reconciled", timeout=40)

    waited = time.monotonic() - recovered
    assert waited < 8 * 1.2 + HTTP_TIMEOUT + 8, f"recovery took {waited:.1f}s"
    assert kube.generation(namespace) == generation
    assert kube.config_map(namespace) == env
    assert children(kube, namespace) == versions
    assert "cognito-idp." in cond["message"], f"Ready=False should name what failed: {cond['message']}"
    assert kube.events(namespace, reason), f"no {reason} Event"
    assert_alive_and_calm(op, since_tracebacks=tracebacks)

    # Faults the operator ran into: refused connections (seen in its failure metric) or proxy answers.
    injected = len(failures.times()) if mode == "unreachable" else proxy.faults.get(mode, 0) - faults_before.get(
        mode, 0)
    reliability_stats.fault(f"cognito:{mode}", injected)
    reliability_stats.checked("cognito fault: last good config kept, no restart")
    reliability_stats.checked("cognito fault: retried with exponential backoff")
    reliability_stats.checked("cognito fault: recovered by itself")
