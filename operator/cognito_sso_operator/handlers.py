"""kopf wiring only: every handler hands the object to the work queue; `reconcile.Reconciler` does
the work. Dependencies are built once at start-up and live in kopf's memo."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

import kopf

from . import kube
from .discovery import CognitoHttp, DiscoveryCache, create_http_client
from .events import EventRecorder
from .metrics import Metrics
from .reconcile import Reconciler, Services, aws_check_available
from .rollout import RESET_JOB_LABEL
from .settings import ANNOTATION_PREFIX, FINALIZER, Settings
from .spec import GROUP, PLURAL, VERSION
from .watchers import SecretWatcher, resync
from .workqueue import Key, WorkQueue

logger = logging.getLogger(__name__)


def _essence(body: Mapping[str, Any]) -> str:
    """What a reconcile depends on: spec, labels, annotations, generation (never status)."""
    meta = body.get("metadata") or {}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if not k.startswith((ANNOTATION_PREFIX, "kopf.zalando.org"))}
    doc = [body.get("spec"), meta.get("labels"), annotations, meta.get("generation"),
           meta.get("deletionTimestamp"), meta.get("uid")]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    # Our own names for kopf's bookkeeping; our handlers are event handlers, so kopf writes nothing.
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration")
    settings.posting.enabled = False  # our EventRecorder posts the Events users care about
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    cfg: Settings = memo.get("settings") or Settings.from_env()
    settings.watching.inactivity_timeout = cfg.watch_inactivity_seconds  # a silently stalled watch is restarted
    settings.batching.batch_window = 0.05

    metrics: Metrics = memo.get("metrics") or Metrics()
    client = kube.KubeClient(kube.login(), on_request=lambda verb: metrics.api_requests.labels(verb=verb).inc())
    http = create_http_client(cfg)
    cache = DiscoveryCache(CognitoHttp(http, cfg), cfg, on_fetch=metrics.observe_discovery)
    svc = Services(settings=cfg, kube=client, discovery=cache, events=EventRecorder(client), metrics=metrics,
                   http=http, cognito_clients={} if aws_check_available(cfg) else None)
    queue = WorkQueue(lambda key: reconciler(key), debounce=cfg.debounce_seconds,
                      max_debounce=cfg.max_debounce_seconds, workers=cfg.workers)
    reconciler = Reconciler(svc, queue.backoff)
    await queue.start()
    watcher = SecretWatcher(svc, queue, read_timeout=cfg.watch_inactivity_seconds)
    memo["svc"], memo["queue"], memo["secret_watcher"] = svc, queue, watcher
    memo["tasks"] = [asyncio.create_task(watcher.run(), name="secret-watch"),
                     asyncio.create_task(resync(svc, queue), name="resync")]
    logger.info("operator started", extra={"namespaces": list(cfg.namespaces) or "all",
                                           "resyncSeconds": cfg.resync_seconds})


@kopf.on.cleanup()
async def cleanup(memo: kopf.Memo, **_: Any) -> None:
    for task in memo.get("tasks", []):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if "queue" in memo:
        await memo["queue"].stop()
    if "svc" in memo:
        svc: Services = memo["svc"]
        await svc.kube.aclose()
        await svc.http.aclose()


@kopf.on.event(GROUP, VERSION, PLURAL)
async def cognitosso_event(event: Mapping[str, Any], body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    svc: Services = memo["svc"]
    queue: WorkQueue = memo["queue"]
    key: Key = (body["metadata"]["namespace"], body["metadata"]["name"])
    if event.get("type") == "DELETED":
        svc.forget(key)
        queue.forget(key)
        return
    svc.bodies[key] = dict(body)
    essence = _essence(body)
    if svc.essences.get(key) != essence:
        svc.essences[key] = essence
        queue.add(key)


def _workload_event(event: Mapping[str, Any], body: kopf.Body, memo: kopf.Memo, kind: str) -> None:
    svc: Services = memo["svc"]
    queue: WorkQueue = memo["queue"]
    owners = svc.targets.get((body["metadata"]["namespace"], kind, body["metadata"]["name"]))
    for owner in sorted(owners):
        queue.add(owner)


@kopf.on.event("apps", "v1", "deployments")
async def deployment_event(event: Mapping[str, Any], body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    _workload_event(event, body, memo, "Deployment")


@kopf.on.event("apps", "v1", "statefulsets")
async def statefulset_event(event: Mapping[str, Any], body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    _workload_event(event, body, memo, "StatefulSet")


@kopf.on.event("batch", "v1", "jobs", labels={RESET_JOB_LABEL: kopf.PRESENT})
async def reset_job_event(event: Mapping[str, Any], body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    queue: WorkQueue = memo["queue"]
    owner = body["metadata"]["labels"][RESET_JOB_LABEL]
    queue.add((body["metadata"]["namespace"], owner))
