"""A debounced, per-object work queue: the level-triggered heart of the operator.

Every trigger (the CognitoSSO changed, its Secret rotated, its workload appeared, a resync tick)
only marks an object dirty. A key is reconciled at most once at a time, and triggers that land
inside the debounce window collapse into one reconcile, so a spec edit and a Secret rotation that
arrive together cause one render and one restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

Key = tuple[str, str]  # (namespace, name)


@dataclass
class _Entry:
    due: float
    dirty: bool = True
    running: bool = False
    failures: int = 0
    first_trigger: float = field(default_factory=time.monotonic)


class WorkQueue:
    """Schedules `process(key)`; `process` returns seconds until the next attempt, or None."""

    def __init__(
        self,
        process: Callable[[Key], Awaitable[float | None]],
        *,
        debounce: float = 0.15,
        max_debounce: float = 1.0,
        workers: int = 8,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
    ) -> None:
        self._process = process
        self.debounce = debounce
        self.max_debounce = max_debounce
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._entries: dict[Key, _Entry] = {}
        self._wakeup = asyncio.Event()
        self._ready: asyncio.Queue[Key] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._workers = workers
        self.processed = 0

    def add(self, key: Key, *, delay: float | None = None) -> None:
        """Mark `key` dirty; it runs after the debounce window (extended by later triggers, capped)."""
        now = time.monotonic()
        wait = self.debounce if delay is None else delay
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = _Entry(due=now + wait, first_trigger=now)
        elif delay is not None and entry.dirty:
            # An explicit delay (the resync's spread) leaves a pending visit alone: pushing it back would make a
            # change that landed just before a resync tick wait out the spread; pulling it forward would cut a
            # debounce window (two restarts for one change) or a failing object's backoff short.
            pass
        else:
            if not entry.dirty:
                entry.first_trigger = now
            entry.dirty = True
            cap = entry.first_trigger + self.max_debounce
            entry.due = min(max(entry.due if entry.running else now, now + wait), max(cap, now + wait))
        self._wakeup.set()

    def forget(self, key: Key) -> None:
        entry = self._entries.get(key)
        if entry is not None and not entry.running:
            del self._entries[key]

    def backoff(self, failures: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * (2 ** max(0, failures - 1)))
        return float(delay * random.uniform(0.8, 1.2))

    @property
    def pending(self) -> int:
        return sum(1 for e in self._entries.values() if e.dirty)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._scheduler(), name="workqueue-scheduler"))
        for i in range(self._workers):
            self._tasks.append(asyncio.create_task(self._worker(), name=f"workqueue-worker-{i}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _scheduler(self) -> None:
        while True:
            now = time.monotonic()
            next_due: float | None = None
            for key, entry in self._entries.items():
                if not entry.dirty or entry.running:
                    continue
                if entry.due <= now:
                    entry.running = True
                    entry.dirty = False
                    self._ready.put_nowait(key)
                elif next_due is None or entry.due < next_due:
                    next_due = entry.due
            self._wakeup.clear()
            timeout = None if next_due is None else max(0.0, next_due - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=timeout)

    async def _worker(self) -> None:
        while True:
            key = await self._ready.get()
            entry = self._entries.get(key)
            again: float | None
            try:
                again = await self._process(key)
                if entry is not None:
                    entry.failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("reconcile of %s/%s crashed; retrying with backoff", *key)
                if entry is not None:
                    entry.failures += 1
                    again = self.backoff(entry.failures)
                else:
                    again = None
            finally:
                self.processed += 1
            if entry is None:
                continue
            entry.running = False
            if entry.dirty:
                # Triggered while running: go again after the debounce window.
                entry.due = max(entry.due, time.monotonic() + self.debounce)
            elif again is not None:
                entry.dirty = True
                entry.first_trigger = time.monotonic()
                entry.due = time.monotonic() + again
            self._wakeup.set()
