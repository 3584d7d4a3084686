"""The work queue collapses bursts into one reconcile and never runs a key twice at once."""

from __future__ import annotations

import asyncio

from cognito_sso_operator.workqueue import Key, WorkQueue


async def _settle(queue: WorkQueue, seconds: float = 0.4) -> None:
    await asyncio.sleep(seconds)


async def test_burst_inside_debounce_window_is_one_reconcile() -> None:
    calls: list[Key] = []

    async def process(key: Key) -> float | None:
        calls.append(key)
        return None

    queue = WorkQueue(process, debounce=0.05, max_debounce=0.5)
    await queue.start()
    try:
        for _ in range(20):
            queue.add(("ns", "a"))
            await asyncio.sleep(0.005)
        queue.add(("ns", "b"))
        await _settle(queue)
    finally:
        await queue.stop()
    assert calls.count(("ns", "a")) == 1
    assert calls.count(("ns", "b")) == 1


async def test_trigger_while_running_runs_again_after_and_never_concurrently() -> None:
    running = 0
    peak = 0
    calls = 0

    async def process(key: Key) -> float | None:
        nonlocal running, peak, calls
        running += 1
        calls += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        return None

    queue = WorkQueue(process, debounce=0.01, workers=4)
    await queue.start()
    try:
        queue.add(("ns", "a"))
        for _ in range(200):  # wait until the first visit is running (no fixed sleep: the machine may be busy)
            if running:
                break
            await asyncio.sleep(0.005)
        assert running == 1
        queue.add(("ns", "a"))
        queue.add(("ns", "a"))
        await _settle(queue, 0.3)
    finally:
        await queue.stop()
    assert peak == 1
    assert calls == 2


async def test_returned_delay_and_crash_are_retried() -> None:
    calls = 0

    async def process(key: Key) -> float | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            return 0.05
        if calls == 2:
            raise RuntimeError("boom")
        return None

    queue = WorkQueue(process, debounce=0.0, backoff_base=0.05, backoff_max=0.1)
    await queue.start()
    try:
        queue.add(("ns", "a"))
        await _settle(queue, 0.5)
    finally:
        await queue.stop()
    assert calls == 3


def test_backoff_is_exponential_and_bounded() -> None:
    async def process(key: Key) -> float | None:
        return None

    queue = WorkQueue(process, backoff_base=1.0, backoff_max=60.0)
    delays = [queue.backoff(n) for n in range(1, 12)]
    assert 0.8 <= delays[0] <= 1.2
    assert 3.2 <= delays[2] <= 4.8
    assert max(delays) <= 72.0
    assert delays[-1] >= 48.0


async def test_resync_tick_neither_cuts_a_debounce_nor_a_backoff() -> None:
    times: list[float] = []
    loop = asyncio.get_running_loop()

    async def process(key: Key) -> float | None:
        times.append(loop.time())
        return 0.6 if len(times) == 1 else None  # first visit fails: retry in 0.6 s

    queue = WorkQueue(process, debounce=0.3, max_debounce=1.0)
    await queue.start()
    try:
        start = loop.time()
        queue.add(("ns", "a"))
        queue.add(("ns", "a"), delay=0.0)  # a resync tick right after a change
        await asyncio.sleep(0.45)
        assert len(times) == 1
        assert times[0] - start >= 0.29  # the debounce window held
        queue.add(("ns", "a"), delay=0.0)  # a resync tick during the backoff
        await asyncio.sleep(0.3)
        assert len(times) == 1  # the backoff held
        await asyncio.sleep(0.6)
        assert len(times) == 2
    finally:
        await queue.stop()
