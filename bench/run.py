#!/usr/bin/env python3
"""`make bench`: the operator's latency, scale and steady-state figures on a real control plane (issue #7).

Starts its own control plane (envtest.ControlPlane) and Cognito stand-in, runs every scenario in one run,
prints a table and writes bench/results.json (BENCH_QUICK=1: a fast smoke run that writes
bench/results-quick.tmp instead). See bench/README.md for what each figure means and the knobs.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "operator")]

from bench import scenarios  # noqa: E402
from bench.lib import Kube, api_client, http_client, loadavg, machine_description, ratio  # noqa: E402
from bench.scenarios import Bench, Config, log  # noqa: E402

# The Go module proxy refuses Reloader's module (checked with `go list -m -versions`), and no other
# source is allowed here; the registry host is left out on purpose.
RELOADER_UNAVAILABLE = (
    "unavailable: `go list -m -versions github.com/stakater/Reloader`: reading "
    "<Go module proxy>/github.com/stakater/%21reloader/@v/list: 403 Forbidden  server response: "
    "This module version is not available. (same for lowercase; set RELOADER_BIN to a Reloader binary to fill it)"
)
TARGETS = {
    "apply_to_rendered_ms": {"p50": 300, "p95": 1000},
    "rotation_labelled_ms": {"p50": 500},
    "ratio_vs_floor": 3.0,
    "scale_all_ready_s": 60,
    "scale_peak_rss_mib": 150,
    "steady_state_writes": 0,
    "steady_state_restarts": 0,
}


def build_floor(out_dir: Path) -> tuple[Path | None, str]:
    go = shutil.which("go")
    if go is None:
        return None, "unavailable: no `go` on PATH to build bench/floor"
    binary = REPO / "bench" / ".build" / "floor"
    proc = subprocess.run([go, "build", "-trimpath", "-o", str(binary), "."], cwd=REPO / "bench" / "floor",
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None, f"unavailable: go build of bench/floor failed: {proc.stderr.strip()[-500:]}"
    return binary, "ok"


def git_commit() -> tuple[str, bool]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    sha = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "operator", "pyproject.toml"))
    return sha[:12], dirty


def fmt(d: dict[str, Any] | None, keys: tuple[str, ...] = ("p50", "p95")) -> str:
    if not d:
        return "n/a"
    return " / ".join(f"{d[k]:.0f}" for k in keys) + f" (n={d['n']})"


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a"
    return f"{value / target:.2f}x of target" if target else ("ok" if value == 0 else "MISSED")


def print_table(r: dict[str, Any]) -> None:
    p = r["profiles"]
    d, q = p.get("default", {}), p.get("reactive", {})
    rows: list[tuple[str, str, str, str]] = []
    t = TARGETS

    def lat(name: str, key: str, target: str) -> None:
        rows.append((name, fmt(d.get(key)), fmt(q.get(key)), target))

    rows.append(("debounce (s)", str(d.get("debounce_seconds", "-")), str(q.get("debounce_seconds", "-")), ""))
    lat("apply -> rendered p50/p95 ms", "apply_to_rendered_ms",
        f"<= {t['apply_to_rendered_ms']['p50']} / {t['apply_to_rendered_ms']['p95']}")
    rows.append(("  p50 vs target", verdict((d.get("apply_to_rendered_ms") or {}).get("p50"), 300),
                 verdict((q.get("apply_to_rendered_ms") or {}).get("p50"), 300), ""))
    lat("rotation labelled p50/p95 ms", "rotation_labelled_ms", f"p50 <= {t['rotation_labelled_ms']['p50']}")
    rows.append(("  p50 vs target", verdict((d.get("rotation_labelled_ms") or {}).get("p50"), 500),
                 verdict((q.get("rotation_labelled_ms") or {}).get("p50"), 500), ""))
    lat(f"rotation unlabelled p50/p95 ms (resync {d.get('resync_seconds', '-')}s)", "rotation_unlabelled_ms", "")
    floor = r.get("floor_rotation_ms")
    rows.append(("floor (client-go) rotation p50/p95 ms", fmt(floor), "(same run)", ""))
    rows.append(("ours / floor (labelled p50)", f"{d.get('ratio_vs_floor')}x", f"{q.get('ratio_vs_floor')}x",
                 f"<= {t['ratio_vs_floor']}x"))
    rows.append(("  same, debounce window excluded", f"{d.get('ratio_vs_floor_excluding_debounce')}x",
                 f"{q.get('ratio_vs_floor_excluding_debounce')}x", ""))
    if r.get("reloader_rotation_ms"):
        rows.append(("Reloader rotation p50/p95 ms", fmt(r["reloader_rotation_ms"]), "", ""))
        rows.append(("ours / Reloader (labelled p50)", f"{r['ratio_vs_reloader']}x",
                     f"{q.get('ratio_vs_reloader', 'n/a')}x", ""))
        rows.append(("Reloader peak RSS MiB", str(r["reloader_peak_rss_mib"]), "", ""))
    else:
        rows.append(("Stakater Reloader", "unavailable (see below)", "", ""))
    rows.append(("operator peak RSS MiB (3 objects)", str(d.get("peak_rss_mib", "n/a")),
                 str(q.get("peak_rss_mib", "n/a")), ""))
    s = r.get("start_to_first_reconcile")
    rows.append(("start -> first reconcile ms p50/p95", fmt(s), "", ""))
    sc = r.get("scale") or {}
    if sc:
        rows.append((f"scale: {sc['objects']} objects / {sc['namespaces']} ns: all Ready (s)",
                     str(sc.get("all_ready_s")), "", f"<= {t['scale_all_ready_s']}"))
        rows.append(("scale: peak RSS MiB (at Ready / end)", f"{sc.get('peak_rss_mib')} / {sc.get('peak_rss_mib_end')}",
                     "", f"<= {t['scale_peak_rss_mib']}"))
        rows.append(("scale: API requests ours / kopf's", f"{sc.get('api_requests')} / {sc.get('kopf_api_requests')}",
                     "", ""))
        c = sc.get("cpu_s_to_ready_by_process") or {}
        if c:
            rows.append(("scale: CPU s to Ready: ours/apiserver/etcd/kcm/other",
                         f"{c.get('operator')}/{c.get('kube-apiserver')}/{c.get('etcd')}/"
                         f"{c.get('kube-controller-manager')}/{c.get('everything_else')}",
                         f"of {c.get('machine_total')} available", ""))
        rows.append(("scale: discovery fetches (pools)", f"{sc.get('discovery_fetches')} ({sc.get('pools')})", "",
                     f"<= {sc.get('discovery_fetches_bound')}"))
        rows.append(("scale: start -> first reconcile ms", str(sc.get("start_to_first_reconcile_ms")), "", ""))
        wr = sc.get("warm_restart") or {}
        rows.append(("scale: warm restart, all reconciled s / writes",
                     f"{wr.get('all_reconciled_s')} / {wr.get('writes')}", "", "writes = 0"))
    st = r.get("steady_state") or {}
    if st:
        rows.append((f"steady {st['seconds']:g}s: writes / restarts / CPU s",
                     f"{st['writes']} / {st['restarts']} / {st['cpu_s']}", "", "0 / 0 / -"))
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("metric", "default", "reactive", "target")
    width = [max(w, len(h)) for w, h in zip(width, header, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, width, strict=True))
    print("\n" + line + "\n" + "-" * len(line))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, width, strict=True)))
    if not r.get("reloader_rotation_ms"):
        print(f"\nStakater Reloader: {r.get('reloader_status')}")
    failed = [c for c in r.get("checks", []) if not c["ok"]]
    print(f"\nchecks: {len(r.get('checks', [])) - len(failed)} ok, {len(failed)} failed")
    for c in failed:
        print(f"  FAILED {c['name']}: {c['detail']}")


def history_row(r: dict[str, Any]) -> str:
    d, q = r["profiles"].get("default", {}), r["profiles"].get("reactive", {})

    def pp(x: dict[str, Any] | None) -> str:
        return f"{x['p50']:.0f}/{x['p95']:.0f}" if x else "-"

    sc, st = r.get("scale") or {}, r.get("steady_state") or {}
    return (f"| {r['date'][:10]} | {r['commit']}{'+' if r.get('worktree_dirty') else ''} "
            f"| {pp(d.get('apply_to_rendered_ms'))} | {pp(q.get('apply_to_rendered_ms'))} "
            f"| {pp(d.get('rotation_labelled_ms'))} | {pp(q.get('rotation_labelled_ms'))} "
            f"| {pp(d.get('rotation_unlabelled_ms'))} | {pp(r.get('floor_rotation_ms'))} "
            f"| {d.get('ratio_vs_floor', '-')} / {q.get('ratio_vs_floor', '-')} "
            f"| {sc.get('all_ready_s', '-')} | {sc.get('peak_rss_mib_end', sc.get('peak_rss_mib', '-'))} "
            f"| {sc.get('api_requests', '-')} | {sc.get('discovery_fetches', '-')} "
            f"| {st.get('writes', '-')}/{st.get('restarts', '-')}/{st.get('cpu_s', '-')} ({st.get('seconds', '-')}s) "
            f"| {r.get('start_to_first_reconcile_ms', '-')} |")


def main() -> int:
    cfg = Config.from_env(os.environ)
    default_out = REPO / "bench" / ("results-quick.tmp" if cfg.quick else "results.json")
    out_path = Path(os.environ.get("BENCH_OUTPUT") or default_out)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = REPO / "bench" / ".build" / f"run-{stamp}"
    out_dir.mkdir(parents=True, exist_ok=True)
    commit, dirty = git_commit()
    results: dict[str, Any] = {
        "commit": commit, "worktree_dirty": dirty, "machine": machine_description(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "quick": cfg.quick,
        "loadavg_start": loadavg(), "profiles": {}, "reloader_rotation_ms": None, "ratio_vs_reloader": None,
        "reloader_peak_rss_mib": None, "reloader_status": RELOADER_UNAVAILABLE,
    }
    log(f"bench: quick={cfg.quick} logs in {out_dir}")

    floor_bin, floor_status = (None, "skipped")
    if cfg.wants("floor"):
        floor_bin, floor_status = build_floor(out_dir)
        log(f"floor build: {floor_status}")

    from cognito_sso_operator.cognito_standin import CognitoStandIn
    from cognito_sso_operator.envtest import ControlPlane

    plane = ControlPlane()
    standin = None
    b: Bench | None = None
    try:
        plane.start()
        assert plane.kubeconfig is not None
        log(f"control plane up in {plane.startup_seconds:.1f}s at {plane.server}")
        plane.kubectl("apply", "--server-side", "--force-conflicts", "-f",
                      str(REPO / "crds" / "cognitossos.cognito-sso.dev.yaml"))
        plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/cognitossos.cognito-sso.dev")
        standin = CognitoStandIn.start(in_process=False)
        api = api_client(plane.kubeconfig)
        base_env = {**plane.env(), "COGNITO_SSO_COGNITO_ENDPOINT_URL": standin.endpoint_url,
                    "COGNITO_SSO_APP_CHECK": "false", "COGNITO_SSO_LOG_FORMAT": "json"}
        b = Bench(cfg=cfg, kube=Kube(api), http=http_client(plane.kubeconfig), kubeconfig=plane.kubeconfig,
                  authority=standin.authority, client_id=standin.client_id, client_secret=standin.client_secret,
                  base_env=base_env, out_dir=out_dir)
        results["settings"] = {
            "app_check": False, "workers": 8, "resync_seconds_latency": 60,
            "resync_seconds_unlabelled": cfg.resync_seconds, "discovery_ttl_seconds_latency": cfg.discovery_ttl_seconds,
            "discovery_ttl_seconds_scale": 300, "warmup": cfg.warmup,
        }

        if cfg.wants("latency") or cfg.wants("starts"):
            scenarios.latency_fixtures(b)
        if cfg.wants("latency"):
            for name, debounce in (("default", None), ("reactive", cfg.reactive_debounce)):
                log(f"latency profile {name}")
                results["profiles"][name] = scenarios.latency_profile(b, name, debounce)
        if cfg.wants("starts"):
            log(f"start -> first reconcile x{cfg.starts}")
            results["start_to_first_reconcile"] = scenarios.starts(b)
        if floor_bin is not None:
            results["floor"] = scenarios.floor(b, floor_bin)
        elif cfg.wants("floor"):
            results["floor_status"] = floor_status
        if cfg.reloader_bin and cfg.wants("reloader"):
            log(f"reloader: {cfg.reloader_bin}")
            try:
                results["reloader"] = scenarios.reloader(b)
                results["reloader_status"] = "ok"
            except (RuntimeError, TimeoutError, OSError) as exc:
                results["reloader_status"] = f"failed: {exc}"
        if cfg.wants("scale"):
            b.pools = [standin, *(standin.new_pool() for _ in range(cfg.scale_pools - 1))]
            results["scale"] = scenarios.scale(b)
    finally:
        if b is not None:
            results["checks"] = b.checks
        if standin is not None:
            standin.stop()
        plane.stop()

    # Top-level keys: the default profile (issue #7's shape); both profiles under "profiles".
    floor = results.pop("floor", None)
    results["floor_rotation_ms"] = {k: v for k, v in floor.items() if k != "peak_rss_mib"} if floor else None
    results["floor_peak_rss_mib"] = floor.get("peak_rss_mib") if floor else None
    rel = results.pop("reloader", None)
    if rel:
        results["reloader_rotation_ms"] = {k: v for k, v in rel.items() if k != "peak_rss_mib"}
        results["reloader_peak_rss_mib"] = rel.get("peak_rss_mib")
    for prof in results["profiles"].values():
        prof["ratio_vs_floor"] = ratio(prof.get("rotation_labelled_ms"), results["floor_rotation_ms"])
        rot, fl = prof.get("rotation_labelled_ms"), results["floor_rotation_ms"]
        if rot and fl and fl.get("p50"):
            # What the operator adds beyond its deliberate wait: (p50 - debounce window) / floor p50.
            prof["ratio_vs_floor_excluding_debounce"] = round(
                (rot["p50"] - 1000 * prof["debounce_seconds"]) / fl["p50"], 2)
        prof["ratio_vs_reloader"] = ratio(prof.get("rotation_labelled_ms"), results["reloader_rotation_ms"])
    d = results["profiles"].get("default", {})
    results["apply_to_rendered_ms"] = d.get("apply_to_rendered_ms")
    results["rotation_labelled_ms"] = d.get("rotation_labelled_ms")
    results["rotation_unlabelled_ms"] = d.get("rotation_unlabelled_ms")
    results["ratio_vs_floor"] = d.get("ratio_vs_floor")
    results["ratio_vs_reloader"] = d.get("ratio_vs_reloader")
    results["operator_peak_rss_mib"] = d.get("peak_rss_mib")
    scale = results.get("scale")
    if scale:
        results["steady_state"] = scale.pop("steady_state", None)
    s = results.get("start_to_first_reconcile")
    results["start_to_first_reconcile_ms"] = s["p50"] if s and "p50" in s else None
    results["targets"] = TARGETS
    results["loadavg_end"] = loadavg()

    order = ["commit", "worktree_dirty", "machine", "date", "quick", "loadavg_start", "loadavg_end", "settings",
             "apply_to_rendered_ms", "rotation_labelled_ms", "rotation_unlabelled_ms", "reloader_rotation_ms",
             "reloader_status", "floor_rotation_ms", "ratio_vs_reloader", "ratio_vs_floor", "operator_peak_rss_mib",
             "reloader_peak_rss_mib", "floor_peak_rss_mib", "scale", "steady_state", "start_to_first_reconcile_ms",
             "start_to_first_reconcile", "profiles", "targets", "checks"]
    ordered = {k: results[k] for k in order if k in results}
    ordered.update({k: v for k, v in results.items() if k not in ordered})
    out_path.write_text(json.dumps(ordered, indent=2) + "\n")
    print_table(ordered)
    print(f"\nwrote {out_path.relative_to(REPO) if out_path.is_relative_to(REPO) else out_path}")
    print("history row for bench/README.md:\n" + history_row(ordered))
    return 1 if any(not c["ok"] for c in ordered.get("checks", [])) else 0


if __name__ == "__main__":
    sys.exit(main())
