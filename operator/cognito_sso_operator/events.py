"""Kubernetes Events for decisions a user cares about. Messages are scrubbed of secrets; repeats of
the same reason and message are not posted again (no event storms)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from .kube import KubeClient, KubeError, path_for
from .redact import scrub
from .status import now_rfc3339

logger = logging.getLogger(__name__)
COMPONENT = "cognito-sso-operator"


def build_event(obj: Mapping[str, Any], type_: str, reason: str, message: str, now: str) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name'][:200]}.{uuid.uuid4().hex[:12]}", "namespace": meta["namespace"]},
        "involvedObject": {
            "apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": meta["name"],
            "namespace": meta["namespace"], "uid": meta.get("uid"),
        },
        "type": type_,
        "reason": reason,
        "message": scrub(message)[:1024],
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }


class EventRecorder:
    def __init__(self, kube: KubeClient) -> None:
        self._kube = kube
        self._last: dict[tuple[str, str], tuple[str, str]] = {}

    async def post(self, obj: Mapping[str, Any], type_: str, reason: str, message: str, *,
                   dedupe: bool = True) -> None:
        meta = obj["metadata"]
        key = (meta["namespace"], meta["name"])
        if dedupe and self._last.get(key) == (reason, message):
            return
        self._last[key] = (reason, message)
        event = build_event(obj, type_, reason, message, now_rfc3339())
        try:
            await self._kube.create(path_for("v1", "Event", meta["namespace"]), event)
        except KubeError as exc:
            logger.warning("could not post event %s: %s", reason, exc)

    def forget(self, key: tuple[str, str]) -> None:
        self._last.pop(key, None)
