"""What feeds the work queue besides kopf: the label-selected Secret watch and the resync tick.

Only Secrets that carry our label are watched (server-side label selector), so the operator never
streams or caches every Secret in the cluster; other referenced Secrets are re-read by name on
each resync.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Mapping
from typing import Any

import httpx

from .kube import KubeError, path_for
from .reconcile import Services
from .settings import ROTATION_LABEL
from .workqueue import Key, WorkQueue

logger = logging.getLogger(__name__)
SELECTOR = f"{ROTATION_LABEL}=true"


def _data_digest(secret: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(secret.get("data") or {}, sort_keys=True).encode()).hexdigest()


class SecretWatcher:
    def __init__(self, svc: Services, queue: WorkQueue, *, read_timeout: float = 90.0) -> None:
        self.svc = svc
        self.queue = queue
        self.read_timeout = read_timeout
        self._digests: dict[Key, str] = {}
        self.restarts = 0

    def observe(self, event_type: str | None, secret: Mapping[str, Any]) -> None:
        meta = secret["metadata"]
        key: Key = (meta["namespace"], meta["name"])
        digest = "" if event_type == "DELETED" else _data_digest(secret)
        if self._digests.get(key) == digest:
            return
        known = key in self._digests
        self._digests[key] = digest
        if event_type == "DELETED":
            self._digests.pop(key, None)
        if not known and event_type is None:
            return  # first listing: the owners are reconciled at start-up anyway
        owners = sorted(self.svc.secret_refs.get(key))
        logger.debug("labelled secret %s/%s changed; %d owners queued", *key, len(owners))
        for owner in owners:
            self.queue.add(owner)

    async def run(self) -> None:
        paths = [path_for("v1", "Secret", ns) for ns in self.svc.settings.namespaces] or ["/api/v1/secrets"]
        await asyncio.gather(*(self._watch(path) for path in paths))

    async def _watch(self, path: str) -> None:
        delay = 0.5
        while True:
            try:
                listing = await self.svc.kube.get(path, params={"labelSelector": SELECTOR})
                if listing is None:
                    raise KubeError(404, "NotFound", path)
                version = listing["metadata"]["resourceVersion"]
                for item in listing.get("items") or []:
                    item.setdefault("metadata", {}).setdefault("namespace", item["metadata"].get("namespace"))
                    self.observe(None, item)
                delay = 0.5
                while True:
                    server_timeout = max(1, int(self.read_timeout * 0.66))  # 0 would mean the server's default
                    params = {"labelSelector": SELECTOR, "resourceVersion": version,
                              "allowWatchBookmarks": "true", "timeoutSeconds": str(server_timeout)}
                    async for event in self.svc.kube.watch(path, params=params, read_timeout=self.read_timeout):
                        obj = event.get("object") or {}
                        if event.get("type") == "ERROR":
                            raise KubeError(int(obj.get("code", 500)), str(obj.get("reason")), "watch error")
                        version = obj.get("metadata", {}).get("resourceVersion", version)
                        if event.get("type") != "BOOKMARK":
                            self.observe(event.get("type"), obj)
            except asyncio.CancelledError:
                raise
            except (KubeError, httpx.HTTPError, ValueError) as exc:
                # 410 Gone, a stalled stream (read timeout) or a dropped connection: relist and resume.
                self.restarts += 1
                logger.info("secret watch on %s restarts after %s", path, type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)


async def resync(svc: Services, queue: WorkQueue) -> None:
    """Re-reconcile every object periodically: catches unlabelled Secret rotations and drift."""
    while True:
        await asyncio.sleep(svc.settings.resync_seconds)
        keys = list(svc.bodies)
        spread = min(svc.settings.resync_seconds / 4, 5.0)
        for key in keys:
            queue.add(key, delay=random.uniform(0, spread))
