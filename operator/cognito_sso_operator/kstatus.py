"""kstatus' rules, as Flux (`wait: true`, healthChecks) and `kubectl wait`-style tools apply them to a
CognitoSSO. A pure check used by the tests: the operator itself imports nothing from here.

Rules, first match wins (sigs.k8s.io/cli-utils/pkg/kstatus, generic custom resources):

1. metadata.deletionTimestamp set                                     -> Terminating
2. status.observedGeneration missing or != metadata.generation        -> InProgress
3. Reconciling=True                                                   -> InProgress
4. Stalled=True                                                       -> Failed
5. Ready=True (for this generation when the condition carries one)    -> Current
6. Ready False/Unknown/missing                                        -> InProgress

Stricter than generic kstatus in two places, both on purpose for our resource: a missing status or a
missing Ready condition is InProgress (generic kstatus calls a resource without conditions Current, which
would let `flux` report success before the operator has looked at the object), and a Ready condition whose
own observedGeneration is behind metadata.generation is InProgress.

ApplicationInSync=False does not change the result: the operator keeps Ready=True and puts the warning
into Ready's message, so the result stays Current with that message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    CURRENT = "Current"
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    TERMINATING = "Terminating"


@dataclass(frozen=True)
class Result:
    status: Status
    message: str


def _condition(conditions: Any, type_: str) -> Mapping[str, Any] | None:
    if not isinstance(conditions, list):
        return None
    for cond in conditions:
        if isinstance(cond, Mapping) and cond.get("type") == type_:
            return cond
    return None


def _text(cond: Mapping[str, Any]) -> str:
    reason = str(cond.get("reason") or "")
    message = str(cond.get("message") or "")
    return ": ".join(p for p in (reason, message) if p)


def compute(obj: Mapping[str, Any]) -> Result:
    """The kstatus verdict for one CognitoSSO object (a dict as the API server returns it)."""
    metadata: Mapping[str, Any] = obj.get("metadata") or {}
    status: Mapping[str, Any] = obj.get("status") or {}
    generation = metadata.get("generation")

    if metadata.get("deletionTimestamp"):
        return Result(Status.TERMINATING, "Resource scheduled for deletion")

    conditions = status.get("conditions")
    if not status or not conditions:
        return Result(Status.IN_PROGRESS, "Waiting for the operator to write a status")

    observed = status.get("observedGeneration")
    if generation is not None and observed != generation:
        return Result(Status.IN_PROGRESS, f"Waiting for generation {generation} to be observed "
                                          f"(observed {observed})")

    reconciling = _condition(conditions, "Reconciling")
    if reconciling is not None and reconciling.get("status") == "True":
        return Result(Status.IN_PROGRESS, _text(reconciling) or "Reconciling")

    stalled = _condition(conditions, "Stalled")
    if stalled is not None and stalled.get("status") == "True":
        return Result(Status.FAILED, _text(stalled) or "Stalled")

    ready = _condition(conditions, "Ready")
    if ready is None:
        return Result(Status.IN_PROGRESS, "Waiting for the Ready condition")
    ready_generation = ready.get("observedGeneration")
    if ready.get("status") == "True":
        if generation is not None and ready_generation is not None and ready_generation != generation:
            return Result(Status.IN_PROGRESS, f"Ready is about generation {ready_generation}, not {generation}")
        return Result(Status.CURRENT, _text(ready) or "Ready")
    return Result(Status.IN_PROGRESS, _text(ready) or "Not ready")
