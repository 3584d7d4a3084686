"""The in-memory indexes and the objects gauge stay right as objects move and disappear."""

from __future__ import annotations

from typing import Any, cast

from cognito_sso_operator.metrics import Metrics
from cognito_sso_operator.reconcile import ReverseIndex, Services
from cognito_sso_operator.settings import Settings


class _Events:
    def forget(self, key: tuple[str, str]) -> None:
        pass


def _services() -> Services:
    none: Any = None
    return Services(settings=Settings(), kube=none, discovery=none, events=cast(Any, _Events()),
                    metrics=Metrics(), http=none)


def _gauge(svc: Services, ready: str) -> float:
    value = svc.metrics.registry.get_sample_value("cognito_sso_objects", {"ready": ready})
    return value or 0.0


def test_reverse_index_moves_and_drops_owners() -> None:
    index = ReverseIndex()
    a, b = ("ns", "a"), ("ns", "b")
    index.set(a, ("ns", "s1"))
    index.set(b, ("ns", "s1"))
    assert index.get(("ns", "s1")) == {a, b}
    index.set(a, ("ns", "s2"))
    assert index.get(("ns", "s1")) == {b}
    assert index.get(("ns", "s2")) == {a}
    index.set(b, None)
    assert ("ns", "s1") not in index.owners
    assert index.get(("ns", "s1")) == set()


def test_objects_gauge_follows_status_changes_and_deletes() -> None:
    svc = _services()
    svc.set_ready(("ns", "a"), "Unknown")
    svc.set_ready(("ns", "b"), "True")
    svc.set_ready(("ns", "a"), "True")
    assert (_gauge(svc, "True"), _gauge(svc, "Unknown")) == (2.0, 0.0)
    svc.secret_refs.set(("ns", "a"), ("ns", "secret"))
    svc.forget(("ns", "a"))
    assert _gauge(svc, "True") == 1.0
    assert svc.secret_refs.get(("ns", "secret")) == set()
    assert ("ns", "a") not in svc.ready
