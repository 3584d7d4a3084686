"""Status conditions the way kubectl, kstatus (Flux) and Argo CD read them. Pure functions.

Ready is True only when nothing is Reconciling and nothing is Stalled (kstatus' contract). The
detail conditions say which step decided that; each has a CamelCase reason and a human message.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

READY = "Ready"
RECONCILING = "Reconciling"
STALLED = "Stalled"
SPEC_VALID = "SpecValid"
DISCOVERY_VALID = "DiscoveryValid"
SECRET_RESOLVED = "SecretResolved"
CONFIG_RENDERED = "ConfigRendered"
ROLLOUT_COMPLETE = "RolloutComplete"
APPLICATION_IN_SYNC = "ApplicationInSync"

DETAIL_TYPES = (SPEC_VALID, DISCOVERY_VALID, SECRET_RESOLVED, CONFIG_RENDERED, ROLLOUT_COMPLETE,
                APPLICATION_IN_SYNC)
ALL_TYPES = (READY, RECONCILING, STALLED, *DETAIL_TYPES)

TRUE, FALSE, UNKNOWN = "True", "False", "Unknown"


@dataclass(frozen=True)
class Cond:
    type: str
    status: str
    reason: str
    message: str = ""


@dataclass
class Outcome:
    """What one reconcile found out; turned into conditions by `conditions_for`."""

    details: dict[str, Cond] = field(default_factory=dict)
    stalled: Cond | None = None  # user action needed (bad spec, missing Secret, ...)
    progressing: Cond | None = None  # work under way (waiting for a Job, a retry, ...)
    fields: dict[str, Any] = field(default_factory=dict)  # extra status fields (configHash, ...)

    def set(self, type_: str, status: str, reason: str, message: str = "") -> None:
        self.details[type_] = Cond(type_, status, reason, message)

    def stall(self, reason: str, message: str) -> None:
        if self.stalled is None:
            self.stalled = Cond(STALLED, TRUE, reason, message)

    def progress(self, reason: str, message: str) -> None:
        if self.progressing is None:
            self.progressing = Cond(RECONCILING, TRUE, reason, message)


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def initial_conditions() -> list[Cond]:
    """Written on the first visit, before any work, so `kubectl get` never shows an empty row."""
    out = [Cond(READY, UNKNOWN, "Progressing", "The operator has started reconciling this object."),
           Cond(RECONCILING, TRUE, "Progressing", "Reconciling for the first time."),
           Cond(STALLED, FALSE, "NotStalled", "")]
    out += [Cond(t, UNKNOWN, "Pending", "Not checked yet.") for t in DETAIL_TYPES]
    return out


def conditions_for(outcome: Outcome) -> list[Cond]:
    details = [outcome.details.get(t) or Cond(t, UNKNOWN, "Pending", "Not checked yet.") for t in DETAIL_TYPES]
    if outcome.stalled is not None:
        stalled = outcome.stalled
        reconciling = Cond(RECONCILING, FALSE, "Stalled", "Waiting for a change to the spec or its inputs.")
        ready = Cond(READY, FALSE, stalled.reason, stalled.message)
    elif outcome.progressing is not None:
        stalled = Cond(STALLED, FALSE, "NotStalled", "")
        reconciling = outcome.progressing
        ready = Cond(READY, FALSE, outcome.progressing.reason, outcome.progressing.message)
    else:
        stalled = Cond(STALLED, FALSE, "NotStalled", "")
        reconciling = Cond(RECONCILING, FALSE, "Reconciled", "")
        ready = Cond(READY, TRUE, "Reconciled", _ready_message(outcome))
    return [ready, reconciling, stalled, *details]


def _ready_message(outcome: Outcome) -> str:
    app = outcome.details.get(APPLICATION_IN_SYNC)
    msg = "Configuration rendered and applied."
    if app is not None and app.status == FALSE:
        msg += f" Warning: {app.message}"
    return msg


def merge_conditions(
    old: Iterable[Mapping[str, Any]], new: Iterable[Cond], generation: int | None, now: str,
) -> list[dict[str, Any]]:
    """metav1.Condition semantics: lastTransitionTime moves only when status changes."""
    previous = {c.get("type"): c for c in old}
    out = []
    for cond in new:
        prev = previous.get(cond.type)
        changed = prev is None or prev.get("status") != cond.status
        out.append({
            "type": cond.type,
            "status": cond.status,
            "reason": cond.reason,
            "message": cond.message[:4096],
            "lastTransitionTime": now if changed or not prev else prev.get("lastTransitionTime", now),
            "observedGeneration": generation,
        })
    return out


def status_patch(
    old_status: Mapping[str, Any], conditions: Iterable[Cond], generation: int | None,
    fields: Mapping[str, Any], *, now: str | None = None,
) -> dict[str, Any] | None:
    """The merge patch for .status, or None when nothing would change (zero writes when idle)."""
    merged = merge_conditions(old_status.get("conditions") or [], conditions, generation, now or now_rfc3339())
    desired: dict[str, Any] = {"observedGeneration": generation, "conditions": merged, **fields}
    patch = {k: v for k, v in desired.items() if old_status.get(k) != v}
    return patch or None


def condition(status: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None
