"""Start kopf with our settings, logging and metrics (the `run` command)."""

from __future__ import annotations

import dataclasses
import logging
import os

import kopf

from . import logs
from .metrics import Metrics
from .settings import Settings

logger = logging.getLogger(__name__)


def run(
    *, namespaces: list[str], all_namespaces: bool, standalone: bool, liveness: str | None,
    log_format: str | None, verbose: bool,
) -> int:
    settings = Settings.from_env()
    logs.configure(log_format or settings.log_format, verbose=verbose)
    if namespaces and not all_namespaces:
        settings = dataclasses.replace(settings, namespaces=tuple(namespaces))
    if all_namespaces:
        settings = dataclasses.replace(settings, namespaces=())
    metrics = Metrics()
    if settings.metrics_port:
        metrics.serve(settings.metrics_port)
    if liveness is None and settings.liveness_port:
        liveness = f"http://0.0.0.0:{settings.liveness_port}/healthz"
    from . import handlers  # noqa: F401 - registers the kopf handlers

    # With peering on, use our own peering object (the chart creates it); kopf's "default" would pair us with
    # any other kopf operator in the cluster.
    peering_name = os.environ.get("COGNITO_SSO_PEERING_NAME") or "cognito-sso-operator"
    kopf.run(
        standalone=standalone,
        peering_name=None if standalone else peering_name,
        clusterwide=not settings.namespaces,
        namespaces=list(settings.namespaces),
        liveness_endpoint=liveness,
        memo=kopf.Memo(settings=settings, metrics=metrics),
    )
    return 0
