"""Prometheus metrics, on their own registry so tests and several operators in one process do not clash."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reconciles = Counter("cognito_sso_reconcile_total", "Reconciles by result.", ["result"], registry=r)
        self.reconcile_duration = Histogram(
            "cognito_sso_reconcile_duration_seconds", "Time spent in one reconcile.", registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.discovery_duration = Histogram(
            "cognito_sso_discovery_fetch_duration_seconds", "Discovery document and JWKS fetch time.", registry=r,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.discovery_failures = Counter(
            "cognito_sso_discovery_fetch_failures_total", "Failed discovery/JWKS fetches.", registry=r)
        self.restarts = Counter("cognito_sso_restarts_total", "Workload restarts triggered.", registry=r)
        self.rotations = Counter(
            "cognito_sso_secret_rotations_total", "Client secret changes seen.", registry=r)
        self.objects = Gauge("cognito_sso_objects", "CognitoSSO objects by Ready status.", ["ready"], registry=r)
        self.writes = Counter("cognito_sso_api_writes_total", "Writes to the Kubernetes API.", ["kind"], registry=r)
        self.api_requests = Counter("cognito_sso_api_requests_total", "Requests to the Kubernetes API by verb.",
                                    ["verb"], registry=r)
        self.discovery_fetches = Counter(
            "cognito_sso_discovery_fetches_total", "Discovery+JWKS fetch rounds (one per distinct pool and TTL).",
            registry=r)

    def observe_discovery(self, duration: float, ok: bool) -> None:
        self.discovery_fetches.inc()
        self.discovery_duration.observe(duration)
        if not ok:
            self.discovery_failures.inc()

    def serve(self, port: int, addr: str = "0.0.0.0") -> None:
        start_http_server(port, addr=addr, registry=self.registry)
