"""Defence in depth: every secret value the operator handles is registered here and scrubbed from
log lines, Event messages and error texts, even if a bug were to put it there."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_values: set[str] = set()
REDACTED = "<redacted>"
_MIN_LEN = 6  # shorter strings are too likely to be ordinary words


def register(value: str | None) -> None:
    if value and len(value) >= _MIN_LEN:
        with _lock:
            _values.add(value)


def scrub(text: str) -> str:
    if not _values:
        return text
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def registered_count() -> int:
    return len(_values)
