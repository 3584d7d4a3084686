"""The bench scenarios (issue #7). Each returns plain dicts that run.py puts into results.json.

Timing convention: t0 is taken just before the write that starts a measurement is sent; the end is the
arrival time of the watch event that shows the outcome (ObjectWatch), so no polling interval is in the
figures. Between two measurements the bench waits until the operator has nothing left to write (status
settled, rollout reported) plus a quiet gap, so every measurement starts from an idle operator.
"""

from __future__ import annotations

import json
import random
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .lib import (
    GROUP,
    PLURAL,
    VERSION,
    CpuMeter,
    Kube,
    ObjectWatch,
    OperatorProcess,
    RssSampler,
    child_pids,
    condition,
    cr_spec,
    generation,
    is_ready,
    is_settled,
    summary,
    template_hash,
    wait_until,
)

PROVIDER_KEY = "CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME"  # the ConfigMap key spec.providerName renders to
SECRET, DEPLOY, CR = "cognito-client", "openmetadata", "sso"
CONFIG_MAP = f"{CR}-sso-env"
NS_APPLY, NS_ROT_LABELLED, NS_ROT_UNLABELLED = "bench-apply", "bench-rotation-labelled", "bench-rotation-unlabelled"
NS_FLOOR, NS_RELOADER = "bench-floor", "bench-reloader"
RELOADER_ANNOTATION = "secret.reloader.stakater.com/reload"
CONTROL_PLANE = ("kube-apiserver", "etcd", "kube-controller-manager")


@dataclass
class Config:
    quick: bool
    apply_n: int
    rotation_n: int
    unlabelled_n: int
    warmup: int
    starts: int
    scale_objects: int
    scale_namespaces: int
    scale_pools: int
    steady_seconds: float
    resync_seconds: float  # for the unlabelled (resync) rotation path only
    reactive_debounce: float
    discovery_ttl_seconds: float  # latency runs: long enough that discovery stays cached throughout
    reloader_bin: str
    reloader_args: list[str]
    profile: bool
    pyspy: bool
    trace: bool
    only: set[str]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        quick = env.get("BENCH_QUICK", "") not in ("", "0")

        def num(name: str, default: float, quick_default: float) -> float:
            return float(env.get(name) or (quick_default if quick else default))

        return cls(
            quick=quick,
            apply_n=int(num("BENCH_APPLY_N", 50, 8)),
            rotation_n=int(num("BENCH_ROTATION_N", 50, 8)),
            unlabelled_n=int(num("BENCH_UNLABELLED_N", 20, 3)),
            warmup=int(num("BENCH_WARMUP", 3, 1)),
            starts=int(num("BENCH_STARTS", 5, 2)),
            scale_objects=int(num("BENCH_SCALE_OBJECTS", 1000, 50)),
            scale_namespaces=int(num("BENCH_SCALE_NAMESPACES", 100, 5)),
            scale_pools=int(num("BENCH_SCALE_POOLS", 3, 2)),
            steady_seconds=num("BENCH_STEADY_SECONDS", 600, 10),
            resync_seconds=num("BENCH_RESYNC_SECONDS", 5, 5),
            reactive_debounce=num("BENCH_REACTIVE_DEBOUNCE", 0.05, 0.05),
            discovery_ttl_seconds=num("BENCH_DISCOVERY_TTL_SECONDS", 3600, 3600),
            reloader_bin=env.get("RELOADER_BIN", ""),
            reloader_args=shlex.split(env.get("RELOADER_ARGS", "")),
            profile=env.get("BENCH_PROFILE", "") not in ("", "0"),
            trace=env.get("BENCH_TRACE", "") not in ("", "0"),
            pyspy=env.get("BENCH_PYSPY", "") not in ("", "0"),
            only={s.strip() for s in env.get("BENCH_ONLY", "").split(",") if s.strip()},
        )

    def wants(self, scenario: str) -> bool:
        return not self.only or scenario in self.only


@dataclass
class Bench:
    """What every scenario needs: the API, the Cognito stand-in's pool, the operator's base env."""

    cfg: Config
    kube: Kube
    http: httpx.Client
    kubeconfig: Path
    authority: str
    client_id: str
    client_secret: str
    base_env: dict[str, str]  # control plane env + stand-in endpoint + bench-wide operator settings
    out_dir: Path  # logs, profiles
    pools: list[Any] = field(default_factory=list)  # the scale run's user pools (authority, client_id, ...)
    checks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        print(f"  check {'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)

    def operator(self, name: str, **settings: Any) -> OperatorProcess:
        env = {**self.base_env, **{f"COGNITO_SSO_{k.upper()}": str(v) for k, v in settings.items()}}
        profile = str(self.out_dir / "profiles" / name) if self.cfg.profile else ""
        if profile:
            Path(profile).parent.mkdir(parents=True, exist_ok=True)
        if self.cfg.trace:
            (self.out_dir / "traces").mkdir(parents=True, exist_ok=True)
            env["BENCH_TRACE"] = str(self.out_dir / "traces" / f"{name}.jsonl")
        pyspy = str(self.out_dir / "profiles" / f"{name}.collapsed") if self.cfg.pyspy else ""
        if pyspy:
            Path(pyspy).parent.mkdir(parents=True, exist_ok=True)
        return OperatorProcess(env, self.out_dir / "logs" / f"{name}.log", profile=profile, pyspy=pyspy)

    def save_marks(self, name: str, series: Series) -> None:
        """With BENCH_TRACE: the (start, end) of every sample, on the operator trace's clock (bench/trace.py)."""
        if self.cfg.trace:
            (self.out_dir / "traces").mkdir(parents=True, exist_ok=True)
            (self.out_dir / "traces" / f"{name}.marks.json").write_text(json.dumps(series.marks))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- fixtures ----------------------------------------------------------------------------------------

def latency_fixtures(b: Bench) -> None:
    """One CognitoSSO + Secret + Deployment (replicas 0) per latency scenario, each in its own namespace."""
    for ns, labelled in ((NS_APPLY, True), (NS_ROT_LABELLED, True), (NS_ROT_UNLABELLED, False)):
        b.kube.ensure_namespace(ns)
        b.kube.put_secret(ns, SECRET, b.client_secret, labelled=labelled)
        b.kube.create_deployment(ns, DEPLOY, config_map=CONFIG_MAP)
        b.kube.create_cr(ns, CR, cr_spec(b.authority, b.client_id, secret=SECRET, deployment=DEPLOY))


def deployment_watch(b: Bench, ns: str, name: str = DEPLOY) -> ObjectWatch:
    return ObjectWatch(b.http, f"/apis/apps/v1/namespaces/{ns}/deployments", name).start()


def wait_settled(b: Bench, ns: str, dep_watch: ObjectWatch | None = None, timeout: float = 60.0) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        dep = dep_watch.latest() if dep_watch is not None else b.kube.deployment(ns, DEPLOY)
        if dep is None:
            return None
        return dep if is_settled(b.kube.cr(ns, CR), dep) else None

    result: dict[str, Any] = wait_until(check, timeout=timeout, interval=0.05, what=f"{ns}/{CR} settled")
    return result


def wait_first_reconcile(op: OperatorProcess, t0: float, timeout: float = 120.0) -> float:
    """Seconds from spawn (t0) until cognito_sso_reconcile_total > 0, polling the metrics every 10 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = op.metrics_text()
        if text is not None:
            for line in text.splitlines():
                if line.startswith("cognito_sso_reconcile_total{") and float(line.rsplit(" ", 1)[1]) > 0:
                    return time.monotonic() - t0
        else:
            op.alive_or_raise()
        time.sleep(0.01)
    raise TimeoutError(f"no reconcile within {timeout}s (log: {op.log_path})")


# ---- measurements ------------------------------------------------------------------------------------

@dataclass
class Series:
    samples: list[float] = field(default_factory=list)
    marks: list[tuple[float, float]] = field(default_factory=list)  # (t0, end) per sample, time.monotonic()
    extra_restarts: int = 0  # pod-template changes beyond the one expected per trigger
    timeouts: int = 0


def measure_apply(b: Bench, op: OperatorProcess, n: int, quiet: float, tag: str) -> Series:
    """CognitoSSO spec update -> its ConfigMap holds the new value AND the Deployment carries a new hash."""
    dep_w = deployment_watch(b, NS_APPLY)
    cm_w = ObjectWatch(b.http, f"/api/v1/namespaces/{NS_APPLY}/configmaps", CONFIG_MAP).start()
    series = Series()
    try:
        settled = wait_settled(b, NS_APPLY, dep_w)
        for i in range(b.cfg.warmup + n):
            op.alive_or_raise()
            value = f"Bench {tag} {i} {random.randrange(1 << 30)}"
            gen0, hash0 = generation(settled), template_hash(settled)
            mark_d, mark_c = dep_w.mark(), cm_w.mark()
            t0 = time.monotonic()
            b.kube.custom.patch_namespaced_custom_object(GROUP, VERSION, NS_APPLY, PLURAL, CR,
                                                         {"spec": {"providerName": value}})
            try:
                ev_d = dep_w.wait(lambda o, g=gen0, h=hash0: generation(o) > g and template_hash(o) != h,
                                  since=mark_d, timeout=30)
                ev_c = cm_w.wait(lambda o, v=value: v in ((o.get("data") or {}).get(PROVIDER_KEY) or ""),
                                 since=mark_c, timeout=30)
            except TimeoutError:
                series.timeouts += 1
                settled = wait_settled(b, NS_APPLY, dep_w)
                continue
            if i >= b.cfg.warmup:
                series.samples.append(max(ev_d.t, ev_c.t) - t0)
                series.marks.append((t0, max(ev_d.t, ev_c.t)))
            settled = wait_settled(b, NS_APPLY, dep_w)
            time.sleep(quiet + random.uniform(0, 0.1))
            settled = dep_w.latest() or settled
            series.extra_restarts += max(0, generation(settled) - gen0 - 1)
    finally:
        dep_w.stop()
        cm_w.stop()
    return series


def measure_rotation(
    b: Bench, ns: str, n: int, *, labelled: bool, quiet: float, timeout: float,
    settle: Callable[[ObjectWatch], dict[str, Any]], ours: bool = True, phase_jitter: float = 0.0,
) -> Series:
    """Client Secret data change -> the Deployment's pod template changes (a restart). For our operator
    the new template must carry a new config hash; for the floor and Reloader any template change counts.
    `phase_jitter`: wait a random part of it before each change. The resync path reacts on a periodic tick,
    and a loop that starts each change a fixed time after the previous restart would phase-lock to it."""
    dep_w = deployment_watch(b, ns)
    series = Series()
    try:
        settled = settle(dep_w)
        for i in range(b.cfg.warmup + n):
            value = f"rotated-{ns}-{i}-{random.randrange(1 << 40):x}"
            if phase_jitter:
                time.sleep(random.uniform(0, phase_jitter))
                settled = dep_w.latest() or settled
            gen0, hash0 = generation(settled), template_hash(settled)
            mark = dep_w.mark()
            t0 = time.monotonic()
            b.kube.put_secret(ns, SECRET, value, labelled=labelled)
            try:
                ev = dep_w.wait(lambda o, g=gen0, h=hash0: generation(o) > g and (not ours or template_hash(o) != h),
                                since=mark, timeout=timeout)
            except TimeoutError:
                series.timeouts += 1
                settled = settle(dep_w)
                continue
            if i >= b.cfg.warmup:
                series.samples.append(ev.t - t0)
                series.marks.append((t0, ev.t))
            settled = settle(dep_w)
            time.sleep(quiet + random.uniform(0, 0.1))
            settled = dep_w.latest() or settled
            series.extra_restarts += max(0, generation(settled) - gen0 - 1)
    finally:
        dep_w.stop()
    return series


def _series_result(b: Bench, name: str, s: Series) -> dict[str, Any] | None:
    b.save_marks(name.replace(" ", "-"), s)
    out = summary(s.samples)
    if out is not None:
        out["extra_restarts"] = s.extra_restarts
        out["timeouts"] = s.timeouts
    b.check(f"{name}: one restart per trigger", s.extra_restarts == 0 and s.timeouts == 0,
            f"{s.extra_restarts} extra restarts, {s.timeouts} timeouts over {len(s.samples)} samples")
    return out


def latency_profile(b: Bench, name: str, debounce: float | None) -> dict[str, Any]:
    """Apply -> rendered and both rotation paths, with one debounce setting (None: the default)."""
    settings: dict[str, Any] = {"discovery_ttl_seconds": b.cfg.discovery_ttl_seconds}
    if debounce is not None:
        settings["debounce_seconds"] = debounce
    effective = 0.5 if debounce is None else debounce
    quiet = max(0.3, 2 * effective)
    result: dict[str, Any] = {"debounce_seconds": effective}

    # Run A: production resync period (60 s), the apply path and the labelled (watched) Secret.
    op = b.operator(f"latency-{name}", **settings)
    t0 = op.start()
    result["start_to_first_reconcile_ms"] = round(wait_first_reconcile(op, t0) * 1000, 1)
    try:
        for ns in (NS_APPLY, NS_ROT_LABELLED):
            wait_settled(b, ns, timeout=120)
        log(f"{name}: apply -> rendered x{b.cfg.apply_n}")
        result["apply_to_rendered_ms"] = _series_result(
            b, f"{name} apply", measure_apply(b, op, b.cfg.apply_n, quiet, name))
        log(f"{name}: rotation (labelled Secret) x{b.cfg.rotation_n}")
        result["rotation_labelled_ms"] = _series_result(b, f"{name} rotation labelled", measure_rotation(
            b, NS_ROT_LABELLED, b.cfg.rotation_n, labelled=True, quiet=quiet, timeout=30,
            settle=lambda w: wait_settled(b, NS_ROT_LABELLED, w)))
        m = op.metrics()
        result["peak_rss_mib"] = op.peak_rss_mib()
        result["discovery_fetches"] = op.counter("cognito_sso_discovery_fetches", m)
    finally:
        op.stop()

    # Run B: the unlabelled Secret is only re-read on resync, so that period is shortened for the bench.
    op = b.operator(f"latency-{name}-resync", resync_seconds=b.cfg.resync_seconds, **settings)
    op.start()
    try:
        op.wait_metrics()
        wait_settled(b, NS_ROT_UNLABELLED, timeout=120)
        log(f"{name}: rotation (unlabelled Secret, resync {b.cfg.resync_seconds:g}s) x{b.cfg.unlabelled_n}")
        result["rotation_unlabelled_ms"] = _series_result(b, f"{name} rotation unlabelled", measure_rotation(
            b, NS_ROT_UNLABELLED, b.cfg.unlabelled_n, labelled=False, quiet=quiet,
            timeout=3 * b.cfg.resync_seconds + 10, settle=lambda w: wait_settled(b, NS_ROT_UNLABELLED, w),
            phase_jitter=b.cfg.resync_seconds))
        result["resync_seconds"] = b.cfg.resync_seconds
    finally:
        op.stop()
    return result


def starts(b: Bench) -> dict[str, Any]:
    """Operator start (spawn) -> first reconcile, with the latency objects already present and settled."""
    times = []
    for i in range(b.cfg.starts):
        op = b.operator(f"start-{i}")
        t0 = op.start()
        try:
            times.append(wait_first_reconcile(op, t0))
        finally:
            op.stop()
    out = summary(times) or {}
    out["objects_present"] = 3
    return out


# ---- the floor and Reloader --------------------------------------------------------------------------

def _external_rotation(b: Bench, ns: str, *, labelled: bool, sampler: Any) -> dict[str, Any]:
    """Rotation latency of a process other than our operator (the floor, Reloader), with its peak RSS."""
    s = measure_rotation(b, ns, b.cfg.rotation_n, labelled=labelled, quiet=0.3, timeout=30,
                         settle=_settle_plain, ours=False)
    out = summary(s.samples) or {}
    out["timeouts"] = s.timeouts
    out["peak_rss_mib"] = sampler.peak_mib()
    return out


def _settle_plain(w: ObjectWatch) -> dict[str, Any]:
    """No CognitoSSO: settled when the Deployment controller has observed the latest template."""
    def check() -> dict[str, Any] | None:
        dep = w.latest()
        if dep is None:
            return None
        observed = (dep.get("status") or {}).get("observedGeneration", 0)
        return dep if observed >= generation(dep) else None

    result: dict[str, Any] = wait_until(check, timeout=30, what="deployment observed")
    return result


def _stdout_line(proc: subprocess.Popen[str], want: str, timeout: float) -> None:
    found = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == want:
                found.set()

    threading.Thread(target=reader, daemon=True).start()
    if not found.wait(timeout):
        raise TimeoutError(f"{proc.args!r} did not print {want!r} within {timeout}s")


def floor(b: Bench, binary: Path) -> dict[str, Any]:
    """The minimal client (bench/floor): watch one Secret, patch the Deployment. Our operator is stopped."""
    b.kube.ensure_namespace(NS_FLOOR)
    b.kube.put_secret(NS_FLOOR, SECRET, b.client_secret, labelled=True)
    b.kube.create_deployment(NS_FLOOR, DEPLOY, config_map=CONFIG_MAP)
    env = {**b.base_env, "KUBECONFIG": str(b.kubeconfig)}
    proc = subprocess.Popen([str(binary), f"-kubeconfig={b.kubeconfig}", f"-namespace={NS_FLOOR}",
                             f"-secret={SECRET}", f"-deployment={DEPLOY}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                            start_new_session=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    try:
        _stdout_line(proc, "ready", 30)
        log(f"floor: rotation x{b.cfg.rotation_n}")
        return _external_rotation(b, NS_FLOOR, labelled=True, sampler=sampler)
    finally:
        sampler.stop()
        proc.terminate()
        proc.wait(timeout=10)


def reloader(b: Bench) -> dict[str, Any]:
    """Stakater Reloader (RELOADER_BIN) on the same path: a Secret change -> a Deployment restart, with
    the Deployment annotated `secret.reloader.stakater.com/reload: <secret>`, Reloader scoped to the one
    namespace (KUBERNETES_NAMESPACE) and the annotations reload strategy (a pod-template annotation, like
    ours). Extra flags: RELOADER_ARGS."""
    ns = NS_RELOADER
    b.kube.ensure_namespace(ns)
    b.kube.put_secret(ns, SECRET, b.client_secret, labelled=False)
    b.kube.create_deployment(ns, DEPLOY, config_map=CONFIG_MAP, annotations={RELOADER_ANNOTATION: SECRET})
    env = {**b.base_env, "KUBECONFIG": str(b.kubeconfig), "KUBERNETES_NAMESPACE": ns}
    argv = [b.cfg.reloader_bin, "--reload-strategy=annotations", "--resources-to-ignore=configMaps",
            *b.cfg.reloader_args]
    log_path = b.out_dir / "logs" / "reloader.log"
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    sampler = RssSampler(proc.pid)
    sampler.start()
    try:
        # Ready when a rotation restarts the Deployment (Reloader ignores what it sees in its first sync).
        w = deployment_watch(b, ns)
        try:
            for attempt in range(10):
                if proc.poll() is not None:
                    raise RuntimeError(f"Reloader exited with {proc.returncode}; see {log_path}")
                dep = _settle_plain(w)
                mark = w.mark()
                b.kube.put_secret(ns, SECRET, f"reloader-warmup-{attempt}-{random.randrange(1 << 30)}", labelled=False)
                gen0 = generation(dep)
                try:
                    w.wait(lambda o, g=gen0: generation(o) > g, since=mark, timeout=5)
                    break
                except TimeoutError:
                    continue
            else:
                raise TimeoutError(f"Reloader never restarted the Deployment; see {log_path}")
        finally:
            w.stop()
        log(f"reloader: rotation x{b.cfg.rotation_n}")
        return _external_rotation(b, ns, labelled=False, sampler=sampler)
    finally:
        sampler.stop()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# ---- scale, steady state, warm restart ---------------------------------------------------------------

def scale_namespaces(b: Bench) -> list[str]:
    return [f"bench-scale-{i:03d}" for i in range(b.cfg.scale_namespaces)]


def create_scale_objects(b: Bench, pools: list[Any]) -> dict[str, Any]:
    """`scale_objects` CognitoSSOs (with a Secret and a replicas-0 Deployment each) spread evenly over
    `scale_namespaces` namespaces and `len(pools)` user pools, created in parallel before the operator runs."""
    namespaces = scale_namespaces(b)
    items = [(namespaces[i % len(namespaces)], i // len(namespaces), pools[i % len(pools)])
             for i in range(b.cfg.scale_objects)]
    t0 = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(b.kube.ensure_namespace, namespaces))

        def children(item: tuple[str, int, Any]) -> None:
            ns, j, p = item
            b.kube.put_secret(ns, f"client-{j}", p.client_secret, labelled=True)
            b.kube.create_deployment(ns, f"om-{j}", config_map=f"sso-{j}-sso-env")

        list(pool.map(children, items))

        def cr(item: tuple[str, int, Any]) -> None:
            ns, j, p = item
            b.kube.create_cr(ns, f"sso-{j}", cr_spec(p.authority, p.client_id, secret=f"client-{j}",
                                                     deployment=f"om-{j}"))

        list(pool.map(cr, items))
    created_s = time.monotonic() - t0

    # Let the Deployment controller catch up (it makes a ReplicaSet per Deployment), so the operator's
    # start does not compete with the creation backlog.
    prefix = "bench-scale-"

    def controllers_done() -> bool:
        resp = b.http.get("/apis/apps/v1/deployments", timeout=60)
        resp.raise_for_status()
        deps = [d for d in resp.json()["items"] if d["metadata"]["namespace"].startswith(prefix)]
        return len(deps) == b.cfg.scale_objects and all(
            (d.get("status") or {}).get("observedGeneration") == d["metadata"]["generation"] for d in deps)

    wait_until(controllers_done, timeout=600, interval=1.0, what="Deployment controller caught up")
    return {"create_s": round(created_s, 1), "settled_s": round(time.monotonic() - t0, 1)}


def count_ready(b: Bench, prefix: str = "bench-scale-", *, rollout: bool = False) -> int:
    """One LIST of all CognitoSSOs; how many in the scale namespaces are Ready for their generation (and,
    with `rollout`, also report RolloutComplete=True: nothing left for the operator to write)."""
    resp = b.http.get(f"/apis/{GROUP}/{VERSION}/{PLURAL}", timeout=60)
    resp.raise_for_status()
    return sum(1 for cr in resp.json()["items"] if cr["metadata"]["namespace"].startswith(prefix) and is_ready(cr)
               and (not rollout or (condition(cr, "RolloutComplete") or {}).get("status") == "True"))


def _snapshot(op: OperatorProcess) -> dict[str, float]:
    m = op.metrics()
    non_get = sum(v for k, v in m.get("cognito_sso_api_requests_total", {}).items()
                  if 'verb="GET"' not in k and 'verb="WATCH"' not in k)
    return {"writes": op.counter("cognito_sso_api_writes", m), "restarts": op.counter("cognito_sso_restarts", m),
            **{f"writes {k}": v for k, v in m.get("cognito_sso_api_writes_total", {}).items()},
            "reconciles": op.counter("cognito_sso_reconcile", m), "non_get_requests": non_get,
            "cpu_s": op.cpu_seconds(), "kopf_requests": op.counter("bench_kopf_api_requests", m)}


def scale(b: Bench) -> dict[str, Any]:
    pools = b.pools
    log(f"scale: creating {b.cfg.scale_objects} CognitoSSOs in {b.cfg.scale_namespaces} namespaces "
        f"on {len(pools)} pools")
    created = create_scale_objects(b, pools)
    log(f"scale: created in {created['create_s']}s, controllers settled at {created['settled_s']}s")
    ttl = 300.0  # the default discovery TTL: the scale run uses production settings
    op = b.operator("scale")
    first: dict[str, float] = {}

    def first_reconcile() -> None:
        first["s"] = wait_first_reconcile(op, t0, timeout=600)

    t0 = op.start()
    meter = CpuMeter({"operator": op.pid, **child_pids(CONTROL_PLANE)})
    meter.start()
    watcher = threading.Thread(target=first_reconcile, daemon=True)
    watcher.start()
    result: dict[str, Any] = {"objects": b.cfg.scale_objects, "namespaces": b.cfg.scale_namespaces,
                              "pools": len(pools), **created}
    try:
        ready, polls = 0, 0
        deadline = t0 + 900
        all_ready_s: float | None = None
        while time.monotonic() < deadline:
            op.alive_or_raise()
            tick = time.monotonic()
            ready = count_ready(b)
            polls += 1
            if ready >= b.cfg.scale_objects:
                all_ready_s = time.monotonic() - t0
                break
            time.sleep(max(0.0, 0.5 - (time.monotonic() - tick)))
        cpu = meter.stop()
        watcher.join(timeout=5)
        m = op.metrics()
        ours = {k.split('"')[1]: v for k, v in m.get("cognito_sso_api_requests_total", {}).items() if '"' in k}
        kopf = {k.split('"')[1]: v for k, v in m.get("bench_kopf_api_requests_total", {}).items() if '"' in k}
        fetches = op.counter("cognito_sso_discovery_fetches", m)
        elapsed = time.monotonic() - t0
        bound = len(pools) * (1 + int(elapsed // ttl))
        result.update({
            "all_ready_s": round(all_ready_s, 2) if all_ready_s is not None else None,
            "ready": ready, "ready_polls": polls,
            "start_to_first_reconcile_ms": round(first["s"] * 1000, 1) if "s" in first else None,
            "peak_rss_mib": op.peak_rss_mib(),
            "api_requests": int(sum(ours.values())),
            "api_requests_by_verb": {k: int(v) for k, v in sorted(ours.items())},
            "kopf_api_requests": int(sum(kopf.values())),
            "kopf_api_requests_by_verb": {k: int(v) for k, v in sorted(kopf.items())},
            "reconciles": int(op.counter("cognito_sso_reconcile", m)),
            "restarts": int(op.counter("cognito_sso_restarts", m)),
            "discovery_fetches": int(fetches),
            "discovery_fetches_bound": bound,
            "cpu_s_to_ready": round(op.cpu_seconds(), 2),
            "cpu_s_to_ready_by_process": cpu,
        })
        b.check("scale: all Ready", all_ready_s is not None, f"{ready}/{b.cfg.scale_objects} Ready")
        b.check("scale: discovery fetched per pool and TTL, not per object", fetches <= bound,
                f"{int(fetches)} fetches for {len(pools)} pools in {elapsed:.0f}s (TTL {ttl:.0f}s; bound {bound})")
        b.check("scale: one restart per object", op.counter("cognito_sso_restarts", m) <= b.cfg.scale_objects,
                f"{int(op.counter('cognito_sso_restarts', m))} restarts for {b.cfg.scale_objects} objects")
        log(f"scale: all Ready in {result['all_ready_s']}s, peak RSS {result['peak_rss_mib']} MiB")
        # Ready does not wait for the Deployment controller (kube-controller-manager, 20 QPS by default) to
        # roll 1,000 Deployments; the operator reports each rollout in status as it completes. The steady
        # state starts once every rollout is reported.
        wait_until(lambda: count_ready(b, rollout=True) >= b.cfg.scale_objects, timeout=900, interval=2.0,
                   what="every rollout reported")
        result["all_rollouts_reported_s"] = round(time.monotonic() - t0, 1)
        log(f"scale: every rollout reported at {result['all_rollouts_reported_s']}s")

        result["steady_state"] = steady(b, op)
        result["peak_rss_mib_end"] = op.peak_rss_mib()
    finally:
        op.stop()
    result["warm_restart"] = warm_restart(b)
    return result


def steady(b: Bench, op: OperatorProcess) -> dict[str, Any]:
    """Nothing changes for `steady_seconds`: the operator must write nothing and restart nothing."""
    def quiet() -> bool:
        before = _snapshot(op)["writes"]
        time.sleep(5)
        return _snapshot(op)["writes"] == before

    wait_until(quiet, timeout=600, interval=0, what="no writes for 5 s")
    log(f"steady state: {b.cfg.steady_seconds:g}s with nothing changing")
    a = _snapshot(op)
    time.sleep(b.cfg.steady_seconds)
    z = _snapshot(op)
    out = {"seconds": b.cfg.steady_seconds, "writes": int(z["writes"] - a["writes"]),
           "restarts": int(z["restarts"] - a["restarts"]), "cpu_s": round(z["cpu_s"] - a["cpu_s"], 2),
           "reconciles": int(z["reconciles"] - a["reconciles"]),
           "non_get_requests": int(z["non_get_requests"] - a["non_get_requests"]),
           "kopf_requests": int(z["kopf_requests"] - a["kopf_requests"]),
           "objects": b.cfg.scale_objects, "resync_seconds": 60,
           "writes_by_kind": {k.removeprefix("writes ").split('"')[1]: int(z[k] - a.get(k, 0))
                              for k in z if k.startswith("writes ") and z[k] != a.get(k, 0)},
           "resyncs_in_window": round(float(z["reconciles"] - a["reconciles"]) / max(1, b.cfg.scale_objects), 2)}
    b.check("steady state: zero writes", out["writes"] == 0 and out["non_get_requests"] == 0,
            f"{out['writes']} writes, {out['non_get_requests']} non-GET requests in {out['seconds']:g}s")
    b.check("steady state: zero restarts", out["restarts"] == 0, f"{out['restarts']} restarts")
    return out


def warm_restart(b: Bench) -> dict[str, Any]:
    """Operator restart with every object in sync: first reconcile, all reconciled, and zero writes."""
    op = b.operator("scale-restart")
    t0 = op.start()
    try:
        first = wait_first_reconcile(op, t0, timeout=300)

        def all_done() -> bool:
            return op.counter("cognito_sso_reconcile") >= b.cfg.scale_objects

        wait_until(all_done, timeout=600, interval=0.2, what="every object reconciled after restart")
        done = time.monotonic() - t0
        snap = _snapshot(op)
        out = {"start_to_first_reconcile_ms": round(first * 1000, 1), "all_reconciled_s": round(done, 2),
               "writes": int(snap["writes"]), "restarts": int(snap["restarts"]), "peak_rss_mib": op.peak_rss_mib()}
        b.check("warm restart: zero writes", out["writes"] == 0 and out["restarts"] == 0,
                f"{out['writes']} writes, {out['restarts']} restarts after reconciling {b.cfg.scale_objects}")
        return out
    finally:
        op.stop()
