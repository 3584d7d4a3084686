#!/usr/bin/env python3
"""Summarise a py-spy collapsed-stack file (BENCH_PYSPY=1): where the operator's CPU went, by function
(self time) and by package (inclusive). py-spy records busy threads only (no --idle), so the samples are
CPU; any idle frames that do appear (a thread waiting in epoll/select) are left out.

    python bench/flame.py bench/.build/run-<stamp>/profiles/scale.collapsed [top]
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

IDLE = ("epoll.poll", "select (selectors.py", "poll (selectors.py", "_worker (concurrent/futures", "wait (threading.py")
PACKAGE = re.compile(r"\(([^/:()]+)[/:]")  # "func (httpx/_client.py:1540)" -> httpx


def main(path: Path, top: int) -> None:
    own: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    busy = idle = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE):
            idle += count
            continue
        busy += count
        own[frames[-1]] += count
        packages = {m.group(1) for f in frames if (m := PACKAGE.search(f))}
        for package in packages:
            by_package[package] += count
    total = busy + idle
    print(f"{path.name}: {total} samples, {busy} busy ({100 * busy / max(1, total):.0f}%)")
    print("\nbusy samples by package (inclusive: a sample counts for every package on its stack)")
    for name, count in by_package.most_common(top):
        print(f"  {100 * count / max(1, busy):5.1f}%  {name}")
    print("\nbusy samples by function (self)")
    for name, count in own.most_common(top):
        print(f"  {100 * count / max(1, busy):5.1f}%  {name[:150]}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else 25)
