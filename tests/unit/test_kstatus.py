"""Our status shapes, state by state, through kstatus' rules (what Flux `wait: true` and healthChecks see).

Three sources of shapes: hand-written objects per state of the status contract, the Argo CD test data
(so kstatus and Argo's health.lua agree), and the operator's own status.py output.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cognito_sso_operator import kstatus
from cognito_sso_operator.kstatus import Status

ROOT = Path(__file__).resolve().parents[2]
CRD = yaml.safe_load((ROOT / "crds" / "cognitossos.cognito-sso.dev.yaml").read_text())
TESTDATA = ROOT / "gitops" / "argocd" / "testdata"
ARGO_CASES = yaml.safe_load((ROOT / "gitops" / "argocd" / "health_test.yaml").read_text())["tests"]
T = "2026-01-15T10:00:00Z"


def cond(type_: str, status: str, reason: str, message: str = "", generation: int | None = 2) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "status": status, "reason": reason, "message": message,
                           "lastTransitionTime": T}
    if generation is not None:
        out["observedGeneration"] = generation
    return out


def cr(status: dict[str, Any] | None, generation: int = 2) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "cognito-sso.dev/v1alpha1", "kind": "CognitoSSO",
        "metadata": {"name": "sso", "namespace": "om", "generation": generation},
        "spec": {},
    }
    if status is not None:
        obj["status"] = status
    return obj


def ready(generation: int = 2, message: str = "Configuration rendered and applied.") -> dict[str, Any]:
    return {"observedGeneration": generation, "conditions": [
        cond("Ready", "True", "Reconciled", message, generation),
        cond("Reconciling", "False", "Reconciled", "", generation),
        cond("Stalled", "False", "NotStalled", "", generation),
    ]}


def stalled(reason: str, message: str, generation: int = 2) -> dict[str, Any]:
    return {"observedGeneration": generation, "conditions": [
        cond("Ready", "False", reason, message, generation),
        cond("Reconciling", "False", "Stalled", "Waiting for a change to the spec or its inputs.", generation),
        cond("Stalled", "True", reason, message, generation),
    ]}


def reconciling(reason: str, message: str, ready_status: str = "False", generation: int = 2) -> dict[str, Any]:
    return {"observedGeneration": generation, "conditions": [
        cond("Ready", ready_status, reason, message, generation),
        cond("Reconciling", "True", reason, message, generation),
        cond("Stalled", "False", "NotStalled", "", generation),
    ]}


STATES: list[tuple[str, dict[str, Any], Status]] = [
    ("1-just-created", cr(None), Status.IN_PROGRESS),
    ("1-empty-status", cr({}), Status.IN_PROGRESS),
    ("2-progressing", cr(reconciling("Progressing", "Reconciling for the first time.", "Unknown")),
     Status.IN_PROGRESS),
    ("2-rollout", cr(reconciling("RolloutInProgress", "Waiting for Deployment/openmetadata.")),
     Status.IN_PROGRESS),
    ("3-ready", cr(ready()), Status.CURRENT),
    ("3-ready-app-out-of-sync", cr(ready(message="Configuration rendered and applied. Warning: differs")),
     Status.CURRENT),
    ("4-invalid-spec", cr(stalled("InvalidSpec", "spec.oidc.prompt ...")), Status.FAILED),
    ("4-secret-not-found", cr(stalled("SecretNotFound", "Secret om/x not found")), Status.FAILED),
    ("4-discovery-failed", cr(stalled("DiscoveryFailed", "404")), Status.FAILED),
    ("4-target-not-found", cr(stalled("TargetNotFound", "Deployment om/openmetadata not found")),
     Status.FAILED),
    ("5-stale", cr(ready(generation=2), generation=3), Status.IN_PROGRESS),
    ("5-stale-stalled", cr(stalled("InvalidSpec", "x", generation=2), generation=3), Status.IN_PROGRESS),
    ("ready-false-no-stalled", cr({"observedGeneration": 2, "conditions": [
        cond("Ready", "False", "Progressing", "working")]}), Status.IN_PROGRESS),
    ("no-ready-condition", cr({"observedGeneration": 2, "conditions": [
        cond("Stalled", "False", "NotStalled")]}), Status.IN_PROGRESS),
    ("ready-condition-behind", cr({"observedGeneration": 3, "conditions": [
        cond("Ready", "True", "Reconciled", "ok", 2)]}, generation=3), Status.IN_PROGRESS),
    ("reconciling-wins-over-stalled", cr({"observedGeneration": 2, "conditions": [
        cond("Reconciling", "True", "Progressing", "retrying"), cond("Stalled", "True", "X", "y")]}),
     Status.IN_PROGRESS),
]


@pytest.mark.parametrize(("name", "obj", "expected"), STATES, ids=[s[0] for s in STATES])
def test_state(name: str, obj: dict[str, Any], expected: Status) -> None:
    assert kstatus.compute(obj).status is expected


def test_messages() -> None:
    assert kstatus.compute(cr(ready())).message == "Reconciled: Configuration rendered and applied."
    assert kstatus.compute(cr(stalled("SecretNotFound", "Secret om/x not found"))).message == (
        "SecretNotFound: Secret om/x not found")
    assert "generation 3" in kstatus.compute(cr(ready(), generation=3)).message


def test_terminating() -> None:
    obj = cr(ready())
    obj["metadata"]["deletionTimestamp"] = T
    assert kstatus.compute(obj).status is Status.TERMINATING


def test_status_shapes_fit_the_crd_status_schema() -> None:
    schema = CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    for _name, obj, _ in STATES:
        if obj.get("status"):
            jsonschema.validate(obj["status"], schema)
    for path in TESTDATA.glob("*.yaml"):
        obj = yaml.safe_load(path.read_text())
        if "status" in obj:
            jsonschema.validate(obj["status"], schema)


ARGO_TO_KSTATUS = {"Healthy": Status.CURRENT, "Degraded": Status.FAILED, "Progressing": Status.IN_PROGRESS}


@pytest.mark.parametrize("case", ARGO_CASES, ids=[Path(c["inputPath"]).stem for c in ARGO_CASES])
def test_kstatus_agrees_with_argocd_health(case: dict[str, Any]) -> None:
    obj = yaml.safe_load((TESTDATA.parent / case["inputPath"]).read_text())
    assert kstatus.compute(obj).status is ARGO_TO_KSTATUS[case["healthStatus"]["status"]]


# ---- the operator's own status.py output, state by state ----
def _apply(obj: dict[str, Any], conditions: list[Any], generation: int) -> dict[str, Any]:
    from cognito_sso_operator import status as status_mod

    old = obj.get("status") or {}
    patch = status_mod.status_patch(old, conditions, generation, {}, now=T)
    new = copy.deepcopy(obj)
    new["status"] = {**old, **(patch or {})}
    return new


def test_status_module_states_map_through_kstatus() -> None:
    from cognito_sso_operator import status as status_mod

    obj = cr(None, generation=1)
    assert kstatus.compute(obj).status is Status.IN_PROGRESS  # (1) nothing written yet

    obj = _apply(obj, status_mod.initial_conditions(), 1)  # (2) first visit
    assert kstatus.compute(obj).status is Status.IN_PROGRESS

    outcome = status_mod.Outcome()
    outcome.progress("RolloutInProgress", "Waiting for Deployment/openmetadata.")
    obj = _apply(obj, status_mod.conditions_for(outcome), 1)
    assert kstatus.compute(obj).status is Status.IN_PROGRESS

    outcome = status_mod.Outcome()
    obj = _apply(obj, status_mod.conditions_for(outcome), 1)  # (3) ready
    assert kstatus.compute(obj).status is Status.CURRENT

    outcome = status_mod.Outcome()
    outcome.set(status_mod.APPLICATION_IN_SYNC, "False", "StoredConfigDiffers", "differs")
    app = _apply(obj, status_mod.conditions_for(outcome), 1)  # warning only
    result = kstatus.compute(app)
    assert result.status is Status.CURRENT
    assert "differs" in result.message

    stale = copy.deepcopy(obj)
    stale["metadata"]["generation"] = 2  # (5) spec edited, not observed yet
    assert kstatus.compute(stale).status is Status.IN_PROGRESS

    outcome = status_mod.Outcome()
    outcome.stall("SecretNotFound", "Secret om/x not found")
    failed = _apply(stale, status_mod.conditions_for(outcome), 2)  # (4) stalled
    assert kstatus.compute(failed).status is Status.FAILED

    schema = CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    for o in (app, failed):
        jsonschema.validate(o["status"], schema)
