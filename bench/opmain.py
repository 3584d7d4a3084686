"""The operator exactly as `cognito-sso-operator run` starts it, plus two bench-only instruments.

* `bench_kopf_api_requests_total{verb}` on the operator's own metrics endpoint: kopf talks to the API
  server through aiohttp (our KubeClient uses httpx and counts itself in cognito_sso_api_requests_total),
  so counting `aiohttp.ClientSession._request` in this process counts kopf's requests and nothing else.
  verb is the HTTP method (GET covers kopf's API discovery and LISTs), or WATCH for a `watch=true` GET.
* `BENCH_TRACE=<path>`: append one JSON line per Kubernetes API request of ours (method, path, start,
  duration), per work-queue trigger and per reconcile, with time.monotonic() stamps: the critical path
  of one rotation or apply can be read off it (bench/trace.py summarises it).
* `BENCH_PROFILE=<path>`: run under pyinstrument and write `<path>.txt`, `.html` and `.pyisession` at exit
  (the bench stops the operator with SIGTERM, so kopf shuts down cleanly and the profile is written).

Usage: python bench/opmain.py run --all-namespaces [...]  (the same arguments as the CLI).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "operator"))


def _instrument_kopf_requests() -> None:
    import aiohttp
    from prometheus_client import Counter

    from cognito_sso_operator import metrics as metrics_module

    counters: list[Counter] = []
    original_init: Callable[..., None] = metrics_module.Metrics.__init__

    def init(self: Any) -> None:
        original_init(self)
        counter = Counter("bench_kopf_api_requests_total", "kopf's own requests to the Kubernetes API (aiohttp).",
                          ["verb"], registry=self.registry)
        counters.append(counter)

    metrics_module.Metrics.__init__ = init  # type: ignore[method-assign]
    original_request = aiohttp.ClientSession._request

    async def request(self: aiohttp.ClientSession, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        url = str(str_or_url)
        verb = method.upper()
        if verb == "GET" and ("watch=true" in url or "watch=1" in url):
            verb = "WATCH"
        for counter in counters:
            counter.labels(verb=verb).inc()
        return await original_request(self, method, str_or_url, **kwargs)

    aiohttp.ClientSession._request = request  # type: ignore[method-assign]


def _trace(path: str) -> None:
    import json
    import time

    from cognito_sso_operator import kube, reconcile, workqueue

    out = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process

    def emit(**record: Any) -> None:
        out.write(json.dumps(record) + "\n")

    original_request = kube.KubeClient._request

    async def request(self: Any, method: str, path: str, **kwargs: Any) -> Any:
        t0 = time.monotonic()
        try:
            return await original_request(self, method, path, **kwargs)
        finally:
            emit(ev="api", method=method, path=path, t=t0, d=time.monotonic() - t0)

    kube.KubeClient._request = request  # type: ignore[method-assign]
    original_add = workqueue.WorkQueue.add

    def add(self: Any, key: Any, *, delay: float | None = None) -> None:
        emit(ev="add", key=list(key), t=time.monotonic(), delay=delay)
        original_add(self, key, delay=delay)

    workqueue.WorkQueue.add = add  # type: ignore[method-assign]
    original_call = reconcile.Reconciler.__call__

    async def call(self: Any, key: Any) -> Any:
        t0 = time.monotonic()
        try:
            return await original_call(self, key)
        finally:
            emit(ev="reconcile", key=list(key), t=t0, d=time.monotonic() - t0)

    reconcile.Reconciler.__call__ = call  # type: ignore[method-assign]


def main() -> int:
    _instrument_kopf_requests()
    if os.environ.get("BENCH_TRACE"):
        _trace(os.environ["BENCH_TRACE"])
    from cognito_sso_operator import cli

    argv = sys.argv[1:]
    out = os.environ.get("BENCH_PROFILE", "")
    if not out:
        return cli.main(argv)
    from pyinstrument import Profiler

    profiler = Profiler(interval=float(os.environ.get("BENCH_PROFILE_INTERVAL", "0.005")), async_mode="disabled")
    profiler.start()
    try:
        return cli.main(argv)
    finally:
        profiler.stop()
        if profiler.last_session is not None:
            profiler.last_session.save(out + ".pyisession")  # re-render: pyinstrument --load=<file> -r text
        Path(out + ".txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        Path(out + ".html").write_text(profiler.output_html())


if __name__ == "__main__":
    sys.exit(main())
