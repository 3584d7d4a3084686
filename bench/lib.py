"""Building blocks of the bench: statistics, /proc sampling, metrics scraping, the operator process,
precise watch-based timing, and small Kubernetes helpers. No scenario logic here (see scenarios.py)."""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from kubernetes import client

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
GROUP, VERSION, PLURAL = "cognito-sso.dev", "v1alpha1", "cognitossos"
HASH_ANNOTATION = "cognito-sso.dev/config-hash"
WATCH_LABEL = "cognito-sso.dev/watch"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- statistics --------------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), q in [0, 100]."""
    data = sorted(values)
    if not data:
        return math.nan
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summary(samples_s: Sequence[float]) -> dict[str, Any] | None:
    """{"p50", "p95", "n", ...} in milliseconds, from samples in seconds."""
    if not samples_s:
        return None
    ms = [s * 1000.0 for s in samples_s]
    return {"p50": round(statistics.median(ms), 1), "p95": round(percentile(ms, 95), 1), "n": len(ms),
            "min": round(min(ms), 1), "max": round(max(ms), 1), "mean": round(statistics.fmean(ms), 1)}


def ratio(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, key: str = "p50") -> float | None:
    if not a or not b or not b.get(key):
        return None
    return round(float(a[key]) / float(b[key]), 2)


# ---- /proc -------------------------------------------------------------------------------------------

def proc_status_kib(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """utime + stime of the process (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class RssSampler(threading.Thread):
    """Samples VmRSS every `interval` seconds; `peak_mib` is max(VmHWM, sampled VmRSS)."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True, name=f"rss-{pid}")
        self.pid, self.interval = pid, interval
        self.max_rss_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            rss = proc_status_kib(self.pid, "VmRSS")
            if rss is None:
                return
            self.max_rss_kib = max(self.max_rss_kib, rss)

    def stop(self) -> None:
        self._stop_event.set()

    def peak_mib(self) -> float:
        hwm = proc_status_kib(self.pid, "VmHWM") or 0
        return round(max(hwm, self.max_rss_kib) / 1024.0, 1)


def child_pids(names: Sequence[str]) -> dict[str, int]:
    """{comm: pid} of this process's children with one of these names (the control plane's binaries)."""
    me, out = os.getpid(), {}
    wanted = {name[:15]: name for name in names}  # /proc/<pid>/stat's comm is cut at 15 characters
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        ppid = int(raw[raw.rindex(")") + 2:].split()[1])
        if ppid == me and comm in wanted:
            out[wanted[comm]] = int(entry.name)
    return out


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """CPU seconds used between start() and stop() by named processes and by the whole machine, to show
    where a 2-core machine's time went (our operator, the control plane, everything else)."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self.pids = dict(pids)
        self._start: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        out = {name: proc_cpu_seconds(pid) or 0.0 for name, pid in self.pids.items()}
        out["machine_busy"], out["machine_total"] = machine_cpu_seconds()
        return out

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> dict[str, float]:
        end = self._now()
        out = {k: round(end[k] - self._start.get(k, 0.0), 1) for k in end}
        named = sum(v for k, v in out.items() if not k.startswith("machine"))
        out["everything_else"] = round(out["machine_busy"] - named, 1)
        return out


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (f"{cpu}, {os.cpu_count()} cores, {mem_kib / 1024 / 1024:.0f} GiB, Linux {os.uname().release}, "
            f"Python {sys.version.split()[0]}")


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.05, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what or predicate}; last: {last!r}")


# ---- metrics -----------------------------------------------------------------------------------------

def parse_metrics(text: str) -> dict[str, dict[str, float]]:
    """{metric name: {label text: value}} from Prometheus text format (comments skipped)."""
    out: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, _, labels = head.partition("{")
        out.setdefault(name, {})[labels.rstrip("}")] = float(value)
    return out


# ---- processes ---------------------------------------------------------------------------------------

class OperatorProcess:
    """The operator (bench/opmain.py, i.e. the real CLI plus request counting) as a child process."""

    def __init__(self, env: Mapping[str, str], log_path: Path, *, profile: str = "", pyspy: str = "") -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.profile = profile  # pyinstrument, in process (exact call trees, but inflates pure-Python code)
        self.pyspy = pyspy  # py-spy, sampling from outside (low overhead): collapsed stacks for bench/flame.py
        self.proc: subprocess.Popen[bytes] | None = None
        self.spy: subprocess.Popen[bytes] | None = None
        self.metrics_port = 0
        self.started_at = 0.0
        self.sampler: RssSampler | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> float:
        """Spawn it; returns the monotonic spawn time. Does not wait for anything."""
        self.metrics_port = free_port()
        env = {**self.env, "COGNITO_SSO_METRICS_PORT": str(self.metrics_port), "COGNITO_SSO_LIVENESS_PORT": "0"}
        if self.profile:
            env["BENCH_PROFILE"] = self.profile
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(
                [sys.executable, str(BENCH_DIR / "opmain.py"), "run", "--all-namespaces", "--log-format=json"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.sampler = RssSampler(self.proc.pid)
        self.sampler.start()
        if self.pyspy:
            spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            self.spy = subprocess.Popen([spy, "record", "--pid", str(self.proc.pid), "--rate", "200", "--format", "raw",
                                         "--output", self.pyspy, "--nonblocking"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self.started_at

    def wait_metrics(self, timeout: float = 60.0) -> None:
        wait_until(lambda: self.alive_or_raise() and self.metrics_text() is not None, timeout=timeout,
                   what=f"operator metrics (log: {self.log_path})")

    def alive_or_raise(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"the operator exited; see {self.log_path}")
        return True

    def metrics_text(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as resp:
                return str(resp.read().decode())
        except (OSError, urllib.error.URLError):
            return None

    def metrics(self) -> dict[str, dict[str, float]]:
        text = self.metrics_text()
        if text is None:
            raise RuntimeError(f"operator metrics unavailable (log: {self.log_path})")
        return parse_metrics(text)

    def counter(self, name: str, snapshot: Mapping[str, Mapping[str, float]] | None = None) -> float:
        """Sum over all label sets of a counter (`name` without _total)."""
        m = snapshot if snapshot is not None else self.metrics()
        return sum(m.get(name + "_total", {}).values())

    def peak_rss_mib(self) -> float:
        return self.sampler.peak_mib() if self.sampler else 0.0

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid) or 0.0

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.sampler is not None:
            self.sampler.stop()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=300 if self.profile else 30)  # a profile takes a while to write
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self.spy is not None:
            self.spy.wait(timeout=120)  # py-spy writes its output when the target exits
            self.spy = None
        self.proc = None


# ---- watch-based timing ------------------------------------------------------------------------------

@dataclass
class Event:
    t: float  # time.monotonic() when the line arrived
    type: str
    obj: dict[str, Any]


class ObjectWatch:
    """Streams the watch events of one object (by name) on a background thread and timestamps each on
    arrival, so latencies are measured against the API server's notification, not a polling interval.
    Plain httpx (one connection of its own), so the timing does not depend on the kubernetes client."""

    def __init__(self, http: httpx.Client, path: str, name: str) -> None:
        self.http, self.path, self.name = http, path, name  # path: collection, e.g. /api/v1/namespaces/x/secrets
        self.events: list[Event] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ObjectWatch:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True, name=f"watch-{self.name}")
        self._thread.start()
        if not ready.wait(30):
            raise TimeoutError(f"watch on {self.path}/{self.name} did not start")
        return self

    def stop(self) -> None:
        self._stop.set()  # the daemon thread ends at its stream's timeout or at exit

    def _run(self, ready: threading.Event) -> None:
        version = ""
        selector = {"fieldSelector": f"metadata.name={self.name}"}
        while not self._stop.is_set():
            try:
                if not version:
                    resp = self.http.get(self.path, params=selector, timeout=30)
                    resp.raise_for_status()
                    listing = resp.json()
                    version = listing["metadata"]["resourceVersion"]
                    for item in listing.get("items") or []:
                        self._record(Event(time.monotonic(), "LIST", item))
                    ready.set()
                params = {**selector, "watch": "true", "resourceVersion": version, "allowWatchBookmarks": "true",
                          "timeoutSeconds": "120"}
                with self.http.stream("GET", self.path, params=params,
                                      timeout=httpx.Timeout(30, read=150)) as resp:
                    resp.raise_for_status()
                    for line in resp.iter_lines():
                        t = time.monotonic()
                        if self._stop.is_set():
                            return
                        if not line.strip():
                            continue
                        event = json.loads(line)
                        obj = event.get("object") or {}
                        if event.get("type") == "ERROR":
                            version = ""  # 410 Gone: relist
                            break
                        version = obj.get("metadata", {}).get("resourceVersion", version)
                        if event.get("type") != "BOOKMARK":
                            self._record(Event(t, str(event.get("type")), obj))
            except (httpx.HTTPError, ValueError, KeyError):
                if self._stop.is_set():
                    return
                time.sleep(0.2)

    def _record(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def latest(self) -> dict[str, Any] | None:
        with self._cond:
            return self.events[-1].obj if self.events else None

    def wait(self, predicate: Callable[[dict[str, Any]], bool], *, since: int, timeout: float) -> Event:
        """The first event at index >= `since` whose object satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            i = since
            while True:
                while i < len(self.events):
                    if predicate(self.events[i].obj):
                        return self.events[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching event for {self.path}/{self.name} within {timeout}s")
                self._cond.wait(left)


def http_client(kubeconfig: Path) -> httpx.Client:
    """An httpx client with the kubeconfig's credentials (token or client certificate, CA)."""
    from kubernetes import config

    c = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=c)
    headers = {"Accept": "application/json"}
    token = (c.api_key or {}).get("authorization") or (c.api_key or {}).get("BearerToken")
    if token:
        headers["Authorization"] = token if " " in token else f"Bearer {token}"
    verify: ssl.SSLContext | bool = False
    if c.verify_ssl:
        ctx = ssl.create_default_context(cafile=c.ssl_ca_cert) if c.ssl_ca_cert else ssl.create_default_context()
        if c.cert_file and c.key_file:
            ctx.load_cert_chain(c.cert_file, c.key_file)
        verify = ctx
    return httpx.Client(base_url=c.host, headers=headers, verify=verify)


# ---- Kubernetes helpers ------------------------------------------------------------------------------

def api_client(kubeconfig: Path, pool: int = 32) -> client.ApiClient:
    from kubernetes import config

    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    configuration.connection_pool_maxsize = pool
    return client.ApiClient(configuration)


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def secret_body(name: str, value: str, *, labelled: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labelled:
        meta["labels"] = {WATCH_LABEL: "true"}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"clientSecret": b64(value)}}


def deployment_body(name: str, *, annotations: Mapping[str, str] | None = None,
                    config_map: str = "sso-sso-env") -> dict[str, Any]:
    labels = {"app": name}
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {"replicas": 0, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "server", "image": "openmetadata/server:1.13.1",
                                     "envFrom": [{"configMapRef": {"name": config_map, "optional": True}}]}]}}},
    }


def cr_body(name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "CognitoSSO", "metadata": {"name": name},
            "spec": dict(spec)}


def cr_spec(authority: str, client_id: str, *, secret: str = "cognito-client", deployment: str = "openmetadata",
            provider_name: str = "Cognito") -> dict[str, Any]:
    return {
        "providerName": provider_name,
        "authority": authority,
        "oidc": {"clientId": client_id, "clientSecretRef": {"name": secret},
                 "serverUrl": "https://openmetadata.example.com"},
        "authorizer": {"adminPrincipals": ["admin@example.com"], "principalDomain": "example.com"},
        "target": {"deploymentName": deployment},
    }


class Kube:
    def __init__(self, api: client.ApiClient) -> None:
        self.api = api
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.custom = client.CustomObjectsApi(api)

    def ensure_namespace(self, ns: str) -> None:
        try:
            self.core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        except client.ApiException as exc:
            if exc.status != 409:
                raise

    def put_secret(self, ns: str, name: str, value: str, *, labelled: bool) -> None:
        body = secret_body(name, value, labelled=labelled)
        try:
            self.core.create_namespaced_secret(ns, body)
        except client.ApiException as exc:
            if exc.status != 409:
                raise
            self.core.patch_namespaced_secret(name, ns, {"data": body["data"]})

    def create_deployment(self, ns: str, name: str, **kwargs: Any) -> None:
        try:
            self.apps.create_namespaced_deployment(ns, deployment_body(name, **kwargs))
        except client.ApiException as exc:
            if exc.status != 409:
                raise

    def create_cr(self, ns: str, name: str, spec: Mapping[str, Any]) -> None:
        try:
            self.custom.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, cr_body(name, spec))
        except client.ApiException as exc:
            if exc.status != 409:
                raise
            self.custom.patch_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name, {"spec": spec})

    def cr(self, ns: str, name: str) -> dict[str, Any]:
        return dict(self.custom.get_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, name))

    def deployment(self, ns: str, name: str) -> dict[str, Any]:
        resp = self.apps.read_namespaced_deployment(name, ns, _preload_content=False)
        return dict(json.loads(resp.data))

    def delete_namespaces(self, names: Sequence[str]) -> None:
        for ns in names:
            try:
                self.core.delete_namespace(ns)
            except client.ApiException as exc:
                if exc.status != 404:
                    raise


def condition(obj: Mapping[str, Any], type_: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None


def is_ready(cr: Mapping[str, Any]) -> bool:
    """Ready=True for the current generation."""
    status = cr.get("status") or {}
    ready = condition(cr, "Ready")
    return bool(ready and ready.get("status") == "True"
                and status.get("observedGeneration") == cr["metadata"].get("generation"))


def is_settled(cr: Mapping[str, Any], deployment: Mapping[str, Any]) -> bool:
    """Ready, the rollout reported complete, and the Deployment carries the hash the status reports:
    nothing is left for the operator to write."""
    rollout = condition(cr, "RolloutComplete")
    return (is_ready(cr) and bool(rollout and rollout.get("status") == "True")
            and template_hash(deployment) == (cr.get("status") or {}).get("configHash"))


def template_annotations(deployment: Mapping[str, Any]) -> dict[str, str]:
    return dict(((deployment.get("spec") or {}).get("template") or {}).get("metadata", {}).get("annotations") or {})


def template_hash(deployment: Mapping[str, Any]) -> str | None:
    return template_annotations(deployment).get(HASH_ANNOTATION)


def generation(obj: Mapping[str, Any]) -> int:
    return int(obj["metadata"].get("generation") or 0)
