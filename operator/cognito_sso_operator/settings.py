"""Operator settings, read once at start-up from the environment (12-factor, Helm-friendly)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

PREFIX = "COGNITO_SSO_"

# Our own names for bookkeeping (never kopf's defaults, never status.<handler>).
ANNOTATION_PREFIX = "cognito-sso.dev"
FINALIZER = "cognito-sso.dev/finalizer"
FIELD_MANAGER = "cognito-sso-operator"
CONFIG_HASH_ANNOTATION = "cognito-sso.dev/config-hash"
ROTATION_LABEL = "cognito-sso.dev/watch"  # Secrets labelled "true" are watched for instant rotation
OWNER_LABEL = "cognito-sso.dev/owner"


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, default)


@dataclass(frozen=True)
class Settings:
    """Everything tunable. Tests build one directly; production reads `from_env()`."""

    # Base URL that replaces https://cognito-idp.<region>.amazonaws.com for every Cognito fetch, like the
    # AWS SDKs' endpoint URL. Empty in production. Requests still carry the real Cognito URL semantics.
    cognito_endpoint_url: str = ""
    discovery_ttl_seconds: float = 300.0
    discovery_cache_size: int = 256
    http_timeout_seconds: float = 5.0
    max_response_bytes: int = 256 * 1024
    max_redirects: int = 3
    resync_seconds: float = 60.0
    # A watch stream (kopf's and the Secret watch) that delivers nothing for this long is presumed silently
    # stalled (a dead proxy or NAT entry) and is re-established.
    watch_inactivity_seconds: float = 90.0
    namespaces: tuple[str, ...] = field(default_factory=tuple)  # empty: all namespaces
    log_format: str = "json"
    metrics_port: int = 8080
    liveness_port: int = 8081
    app_check: bool = True  # compare OpenMetadata's served auth config after rollout
    app_check_timeout_seconds: float = 3.0
    # Hosts besides <service>.<namespace>.svc and the serverUrl host that spec.target.serviceUrl may name.
    app_check_extra_hosts: tuple[str, ...] = field(default_factory=tuple)
    aws_control_plane_check: bool = False  # use boto3 against Cognito when credentials exist
    # Triggers inside this window collapse into one reconcile, so a Secret and a CognitoSSO applied together
    # restart the workload once: `kubectl apply -f` of both lands them ~450 ms apart on a 2-core machine.
    # Another OpenMetadata rollout costs far more than this wait; lower it for faster reaction.
    debounce_seconds: float = 0.5
    max_debounce_seconds: float = 2.0
    workers: int = 8

    @classmethod
    def from_env(cls) -> Settings:
        ns = tuple(n.strip() for n in _env("NAMESPACES", "").split(",") if n.strip())
        return cls(
            cognito_endpoint_url=_env("COGNITO_ENDPOINT_URL", "").rstrip("/"),
            discovery_ttl_seconds=float(_env("DISCOVERY_TTL_SECONDS", "300")),
            discovery_cache_size=int(_env("DISCOVERY_CACHE_SIZE", "256")),
            http_timeout_seconds=float(_env("HTTP_TIMEOUT_SECONDS", "5")),
            max_response_bytes=int(_env("MAX_RESPONSE_BYTES", str(256 * 1024))),
            max_redirects=int(_env("MAX_REDIRECTS", "3")),
            resync_seconds=float(_env("RESYNC_SECONDS", "60")),
            watch_inactivity_seconds=float(_env("WATCH_INACTIVITY_SECONDS", "90")),
            namespaces=ns,
            log_format=_env("LOG_FORMAT", "json"),
            metrics_port=int(_env("METRICS_PORT", "8080")),
            liveness_port=int(_env("LIVENESS_PORT", "8081")),
            app_check=_env("APP_CHECK", "true").lower() == "true",
            app_check_timeout_seconds=float(_env("APP_CHECK_TIMEOUT_SECONDS", "3")),
            app_check_extra_hosts=tuple(h.strip().lower() for h in _env("APP_CHECK_EXTRA_HOSTS", "").split(",")
                                        if h.strip()),
            aws_control_plane_check=_env("AWS_CHECK", "false").lower() == "true",
            debounce_seconds=float(_env("DEBOUNCE_SECONDS", "0.5")),
            max_debounce_seconds=float(_env("MAX_DEBOUNCE_SECONDS", "2")),
            workers=int(_env("WORKERS", "8")),
        )
