"""The manifest tables shared by the unit tests (`validate`) and the admission tests (kube-apiserver).

* ``bad_manifests.yaml``: `base` (the seed's summary table, mapping fixed) and `cases`, each a merge
  patch on the base (or a whole manifest) with the message it must produce.
* ``good_manifests.yaml``: manifests both the apiserver and `validate` accept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).parent
REPO_ROOT = CASES_DIR.parents[1]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: maps merge recursively, null deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


@dataclass(frozen=True)
class BadCase:
    name: str
    manifest: dict[str, Any]
    expect: str
    admission: bool
    expect_admission: str
    secret: str | None = None


@dataclass(frozen=True)
class GoodCase:
    name: str
    manifest: dict[str, Any]


def _load(name: str) -> Any:
    return yaml.safe_load((CASES_DIR / name).read_text(encoding="utf-8"))


@cache
def base_manifest() -> dict[str, Any]:
    base: dict[str, Any] = _load("bad_manifests.yaml")["base"]
    return base


def _manifest(entry: dict[str, Any]) -> dict[str, Any]:
    if "manifest" in entry:
        manifest: dict[str, Any] = copy.deepcopy(entry["manifest"])
        return manifest
    if "file" in entry:
        loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / entry["file"]).read_text(encoding="utf-8"))
        return loaded
    patched: dict[str, Any] = merge_patch(base_manifest(), entry["patch"])
    return patched


@cache
def bad_cases() -> tuple[BadCase, ...]:
    out = []
    for entry in _load("bad_manifests.yaml")["cases"]:
        out.append(
            BadCase(
                name=entry["name"],
                manifest=_manifest(entry),
                expect=entry["expect"],
                admission=bool(entry["admission"]),
                expect_admission=entry.get("expect_admission", entry["expect"]),
                secret=entry.get("secret"),
            )
        )
    return tuple(out)


@cache
def good_cases() -> tuple[GoodCase, ...]:
    return tuple(GoodCase(name=e["name"], manifest=_manifest(e)) for e in _load("good_manifests.yaml"))
