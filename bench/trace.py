#!/usr/bin/env python3
"""Read the critical path off a `BENCH_TRACE=1` run: for every measured sample (bench start -> the watch
event that ended it), what the operator did in between, as median offsets from the sample's start.

    BENCH_TRACE=1 BENCH_ONLY=latency python bench/run.py
    python bench/trace.py bench/.build/run-<stamp>

All stamps are time.monotonic() (CLOCK_MONOTONIC, shared by the bench and the operator process).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any


def _short(path: str) -> str:
    parts = path.strip("/").split("/")
    kind = parts[-1] if len(parts) % 2 else parts[-2]
    if parts[-1] == "status":
        kind = parts[-3] + "/status"
    return kind


def analyse(run_dir: Path) -> None:
    traces = run_dir / "traces"
    events: list[dict[str, Any]] = []
    for f in sorted(traces.glob("*.jsonl")):
        events += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    events.sort(key=lambda e: e["t"])
    for marks_file in sorted(traces.glob("*.marks.json")):
        marks = json.loads(marks_file.read_text())
        if not marks:
            continue
        steps: dict[str, list[float]] = defaultdict(list)
        durations: dict[str, list[float]] = defaultdict(list)
        totals = []
        for t0, end in marks:
            totals.append(end - t0)
            window = [e for e in events if t0 <= e["t"] <= end]
            adds = [e for e in window if e["ev"] == "add"]
            if adds:
                steps["0 trigger seen (queue.add)"].append(adds[0]["t"] - t0)
            seen: dict[str, int] = defaultdict(int)
            for e in window:
                if e["ev"] == "api":
                    label = f"{e['method']} {_short(e['path'])}"
                    seen[label] += 1
                    label = f"{label} #{seen[label]}" if seen[label] > 1 else label
                    steps[f"api {label}"].append(e["t"] - t0)
                    durations[f"api {label}"].append(e["d"])
                elif e["ev"] == "reconcile":
                    steps["reconcile start"].append(e["t"] - t0)
        print(f"\n{marks_file.name.removesuffix('.marks.json')}: n={len(marks)}, "
              f"median total {statistics.median(totals) * 1000:.1f} ms")
        rows = sorted(steps.items(), key=lambda kv: statistics.median(kv[1]))
        for label, offsets in rows:
            d = durations.get(label)
            took = f"  took {statistics.median(d) * 1000:6.1f} ms" if d else ""
            print(f"  +{statistics.median(offsets) * 1000:7.1f} ms  {label:<40} (in {len(offsets)}/{len(marks)}){took}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    analyse(Path(sys.argv[1]))
