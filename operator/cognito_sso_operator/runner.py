"""Start kopf with our settings, logging and metrics (the `run` command)."""

from __future__ import annotations

import dataclasses
import logging

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

    kopf.run(
        standalone=standalone,
        clusterwide=not settings.namespaces,
        namespaces=list(settings.namespaces),
        liveness_endpoint=liveness,
        memo=kopf.Memo(settings=settings, metrics=metrics),
    )
    return 0
