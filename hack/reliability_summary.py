#!/usr/bin/env python3
"""Print the figures of the last `make reliability` run (.cache/reliability.json and the JUnit report).

Exit status: 0 if the run wrote its figures, the leak check ran and found nothing and no test failed; 1 otherwise.
"""

from __future__ import annotations

import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    path = Path(os.environ.get("COGNITO_SSO_RELIABILITY_JSON") or ROOT / ".cache" / "reliability.json")
    junit = ROOT / ".cache" / "reliability-junit.xml"
    if not path.is_file():
        print(f"reliability: no figures at {path} (run `make reliability`)")
        return 1
    data = json.loads(path.read_text())
    ok = True
    print(f"reliability run started {data.get('started')}, last figure {data.get('updated')}")
    if junit.is_file():
        suites = ET.parse(junit).getroot()
        totals = {k: 0 for k in ("tests", "failures", "errors", "skipped")}
        for suite in suites.iter("testsuite"):
            for key in totals:
                totals[key] += int(suite.get(key, 0))
        passed = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
        print(f"tests: {totals['tests']} run, {passed} passed, {totals['failures']} failed, "
              f"{totals['errors']} errors, {totals['skipped']} skipped")
        ok &= totals["failures"] == 0 and totals["errors"] == 0
    faults = data.get("faults") or {}
    print(f"faults injected: {sum(faults.values())}")
    for kind, n in sorted(faults.items()):
        print(f"  {n:6d}  {kind}")
    bad = data.get("bad_inputs") or {}
    print(f"bad inputs tried: {sum(bad.values())}")
    for kind, n in sorted(bad.items()):
        print(f"  {n:6d}  {kind}")
    checks = data.get("checks") or {}
    print(f"invariants held (nothing lost, no extra restart): {sum(checks.values())}")
    for what, n in sorted(checks.items()):
        print(f"  {n:6d}  {what}")
    leak = data.get("leak_check")
    if leak is None:
        print("leak check: did not run")
        ok = False
    else:
        print(f"leak check: {leak.get('secret_values')} secret values searched in {leak.get('artefacts')} "
              f"cluster artefacts and {leak.get('operator_log_files')} operator log files "
              f"({leak.get('log_bytes')} bytes): {leak.get('leaks')} leaks, {leak.get('unseen')} unseen")
        ok &= leak.get("leaks") == 0 and leak.get("unseen") == 0
    print("reliability: " + ("OK, nothing lost or leaked" if ok else "NOT OK"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
