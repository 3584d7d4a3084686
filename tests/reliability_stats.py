"""Counts for `make reliability`: faults injected, bad inputs tried, invariants checked, leak-check figures.

Tests call `fault(kind, n)`, `bad_inputs(kind, n)`, `checked(what)` and `leak_check(...)`; every call
rewrites the JSON file (default .cache/reliability.json, git-ignored; COGNITO_SSO_RELIABILITY_JSON
overrides), so the file is current even if the session dies. One pytest process owns the file: it is
started fresh by the first record of a session. hack/reliability_summary.py prints it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
_lock = threading.Lock()
_data: dict[str, Any] = {
    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "faults": {},
    "bad_inputs": {},
    "checks": {},
    "leak_check": None,
}


def path() -> Path:
    return Path(os.environ.get("COGNITO_SSO_RELIABILITY_JSON") or REPO / ".cache" / "reliability.json")


def _flush() -> None:
    target = path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_data, indent=2, sort_keys=True) + "\n")
        tmp.replace(target)
    except OSError:  # statistics must never fail a test
        pass


def _bump(section: str, kind: str, n: int) -> None:
    with _lock:
        _data[section][kind] = _data[section].get(kind, 0) + int(n)
        _data["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _flush()


def fault(kind: str, n: int = 1) -> None:
    """`n` faults of `kind` were injected (proxy responses, kills, restarts, ...)."""
    _bump("faults", kind, n)


def bad_inputs(kind: str, n: int = 1) -> None:
    """`n` hostile or malformed inputs of `kind` went through validation/rendering/admission."""
    _bump("bad_inputs", kind, n)


def checked(what: str, n: int = 1) -> None:
    """An invariant held: e.g. "last good config kept", "no duplicate restart"."""
    _bump("checks", what, n)


def leak_check(**figures: Any) -> None:
    with _lock:
        _data["leak_check"] = figures
        _flush()


def snapshot() -> dict[str, Any]:
    with _lock:
        return json.loads(json.dumps(_data))
