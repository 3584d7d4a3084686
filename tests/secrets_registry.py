"""Every client secret value the tests use, the evidence they leave behind, and the scanner that looks
for the former in the latter.

* `remember(value)`: a secret value the tests hand to the operator (a Secret's clientSecret, a rotated
  value). Values shorter than 8 characters are ignored: they would match ordinary text.
* `add_artefact(where, text)` / `add_objects(...)`: evidence to scan later (Events, ConfigMaps, CognitoSSO
  objects, operator-written Secrets, workloads, metrics text). `objects_to_artefacts` knows the only two
  places a client secret may legitimately live: a Secret the user wrote (the referenced Secret) and the
  OIDC_CLIENT_SECRET key of the operator's credentials Secret.
* `scan(artefacts, values)`: every (where, secret fingerprint, form) found. Secrets are searched verbatim,
  base64-encoded and JSON-escaped. Reports name a fingerprint, never the value.

The integration leak check (tests/integration/test_zz_leak_check.py) runs `scan` over everything the
session produced; tests/unit/test_leak_scanner.py proves the scanner flags planted secrets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_LEN = 8
OPERATOR_MANAGER = "cognito-sso-operator"
CREDENTIALS_KEYS = frozenset({"OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"})
ALLOWED_CREDENTIALS_KEY = "OIDC_CLIENT_SECRET"

_lock = threading.Lock()
_values: set[str] = set()
_artefacts: list[Artefact] = []
_errors: list[str] = []


@dataclass(frozen=True)
class Artefact:
    where: str
    text: str


@dataclass(frozen=True)
class Leak:
    where: str
    secret: str  # fingerprint, never the value
    form: str

    def __str__(self) -> str:
        return f"{self.where}: secret {self.secret} ({self.form})"


def fingerprint(value: str) -> str:
    return f"sha256:{hashlib.sha256(value.encode()).hexdigest()[:12]}(len {len(value)})"


def remember(value: str | None) -> str | None:
    if value and len(value) >= MIN_LEN:
        with _lock:
            _values.add(value)
    return value


def values() -> frozenset[str]:
    with _lock:
        return frozenset(_values)


def add_artefact(where: str, text: str | None) -> None:
    if text:
        with _lock:
            _artefacts.append(Artefact(where, text))


def artefacts() -> list[Artefact]:
    with _lock:
        return list(_artefacts)


def note_error(message: str) -> None:
    """Evidence that could not be collected (the leak check fails on these: unseen is not clean)."""
    with _lock:
        _errors.append(message)


def errors() -> list[str]:
    with _lock:
        return list(_errors)


# ---- what to look for -------------------------------------------------------------------------------------


def forms(value: str) -> dict[str, str]:
    """The spellings a leaked secret could take in text: verbatim, base64 (3 alignments), JSON-escaped."""
    out = {"verbatim": value}
    raw = value.encode()
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + raw).decode()
        # Drop the characters that depend on the padding bytes or the end: what stays is in any encoding.
        start = {0: 0, 1: 2, 2: 3}[shift]
        core = enc[start:len(enc) - 4]
        if len(core) >= MIN_LEN:
            out[f"base64/{shift}"] = core
    escaped = json.dumps(value)[1:-1]
    if escaped != value:
        out["json-escaped"] = escaped
    return out


def scan(items: Iterable[Artefact], secrets: Iterable[str]) -> list[Leak]:
    patterns = [(fingerprint(s), name, text) for s in sorted(set(secrets)) if len(s) >= MIN_LEN
                for name, text in forms(s).items()]
    leaks: list[Leak] = []
    for item in items:
        for fp, name, text in patterns:
            if text in item.text:
                leaks.append(Leak(item.where, fp, name))
    return leaks


def scan_files(paths: Iterable[Path], secrets: Iterable[str]) -> tuple[int, list[Leak]]:
    files = [p for p in paths if p.is_file()]
    items = [Artefact(str(p), p.read_text(errors="replace")) for p in files]
    return len(files), scan(items, secrets)


# ---- Kubernetes objects: where a secret may be, where it must not ------------------------------------------


def written_by_operator(obj: Mapping[str, Any]) -> bool:
    fields = (obj.get("metadata") or {}).get("managedFields") or []
    return any(f.get("manager") == OPERATOR_MANAGER for f in fields)


def _controlled_by_cognitosso(obj: Mapping[str, Any]) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(r.get("kind") == "CognitoSSO" and r.get("controller") for r in refs)


def _decoded(data: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, raw in data.items():
        try:
            out[key] = base64.b64decode(str(raw)).decode("utf-8", errors="replace")
        except ValueError:
            out[key] = str(raw)
    return out


def _without_managed_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    meta.pop("managedFields", None)
    return {**obj, "metadata": meta}


def referenced_secret_values(secrets: Sequence[Mapping[str, Any]],
                             cognitossos: Sequence[Mapping[str, Any]]) -> list[str]:
    """The client secrets the CognitoSSOs of one namespace point at (the values to look for)."""
    by_name = {(s.get("metadata") or {}).get("name"): s for s in secrets}
    out = []
    for cr in cognitossos:
        ref = (((cr.get("spec") or {}).get("oidc") or {}).get("clientSecretRef")) or {}
        secret = by_name.get(ref.get("name"))
        if secret is None or written_by_operator(secret):
            continue
        value = _decoded(secret.get("data") or {}).get(ref.get("key") or "clientSecret")
        if value:
            out.append(value)
    return out


def objects_to_artefacts(namespace: str, objects: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Artefact]:
    """Artefacts that must never hold a client secret, from one namespace's objects by kind.

    Secrets the user wrote (not touched by the operator's field manager) are the secrets' home and are
    skipped. In an operator-written Secret, only OIDC_CLIENT_SECRET of a credentials Secret (keys exactly
    OIDC_CLIENT_ID/OIDC_CLIENT_SECRET, controlled by a CognitoSSO) may hold one; its other keys, its metadata
    and every other operator-written Secret (e.g. Helm values) are scanned.
    """
    out: list[Artefact] = []
    for kind, items in objects.items():
        for obj in items:
            name = (obj.get("metadata") or {}).get("name")
            where = f"{kind}/{namespace}/{name}"
            if kind == "Secret":
                if not written_by_operator(obj):
                    continue
                data = _decoded(obj.get("data") or {})
                credentials = set(data) == CREDENTIALS_KEYS and _controlled_by_cognitosso(obj)
                for key, text in data.items():
                    if not (credentials and key == ALLOWED_CREDENTIALS_KEY):
                        out.append(Artefact(f"{where}[{key}]", text))
                meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
                out.append(Artefact(f"{where}.metadata", json.dumps(meta, default=str)))
                for key, value in (obj.get("stringData") or {}).items():
                    out.append(Artefact(f"{where}.stringData[{key}]", str(value)))
            else:
                out.append(Artefact(where, json.dumps(_without_managed_fields(obj), default=str)))
    return out
