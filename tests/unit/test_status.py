"""Conditions follow kstatus: Ready == not Reconciling and not Stalled; idle reconciles write nothing."""

from __future__ import annotations

from cognito_sso_operator import status as st


def _by_type(conds: list[st.Cond]) -> dict[str, st.Cond]:
    return {c.type: c for c in conds}


def test_ready_when_nothing_progressing_or_stalled() -> None:
    outcome = st.Outcome()
    outcome.set(st.SPEC_VALID, st.TRUE, "Valid")
    conds = _by_type(st.conditions_for(outcome))
    assert conds[st.READY].status == st.TRUE
    assert conds[st.RECONCILING].status == st.FALSE
    assert conds[st.STALLED].status == st.FALSE
    assert conds[st.DISCOVERY_VALID].status == st.UNKNOWN
    assert set(conds) == set(st.ALL_TYPES)


def test_stalled_wins_and_carries_reason_to_ready() -> None:
    outcome = st.Outcome()
    outcome.progress("Waiting", "x")
    outcome.stall("InvalidSpec", "spec.authority must be ...")
    conds = _by_type(st.conditions_for(outcome))
    assert conds[st.READY].status == st.FALSE
    assert conds[st.READY].reason == "InvalidSpec"
    assert conds[st.STALLED].status == st.TRUE
    assert conds[st.RECONCILING].status == st.FALSE


def test_progressing_sets_reconciling() -> None:
    outcome = st.Outcome()
    outcome.progress("TargetNotFound", "Deployment ns/x was not found")
    conds = _by_type(st.conditions_for(outcome))
    assert conds[st.RECONCILING].status == st.TRUE
    assert conds[st.READY].reason == "TargetNotFound"


def test_status_patch_is_none_when_nothing_changes_and_keeps_transition_time() -> None:
    outcome = st.Outcome()
    conds = st.conditions_for(outcome)
    first = st.status_patch({}, conds, 3, {"configHash": "abc"}, now="2026-01-01T00:00:00Z")
    assert first is not None
    assert first["observedGeneration"] == 3
    assert st.status_patch(first, conds, 3, {"configHash": "abc"}, now="2026-02-02T00:00:00Z") is None
    outcome.stall("InvalidSpec", "bad")
    second = st.status_patch(first, st.conditions_for(outcome), 4, {"configHash": "abc"},
                             now="2026-02-02T00:00:00Z")
    assert second is not None
    assert "configHash" not in second
    times = {c["type"]: c["lastTransitionTime"] for c in second["conditions"]}
    assert times[st.READY] == "2026-02-02T00:00:00Z"
    assert times[st.SPEC_VALID] == "2026-01-01T00:00:00Z"
    assert all(c["observedGeneration"] == 4 for c in second["conditions"])


def test_initial_conditions_cover_every_type() -> None:
    assert {c.type for c in st.initial_conditions()} == set(st.ALL_TYPES)
