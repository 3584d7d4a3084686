"""A real Kubernetes control plane for tests and the demo, in the spirit of controller-runtime's envtest.

`ControlPlane` runs etcd, kube-apiserver and (best effort) kube-controller-manager as local processes on
free loopback ports. Nothing is faked: objects go through the real API server, admission, RBAC and
storage, and the controller manager garbage-collects owned objects and turns Deployments into
ReplicaSets. There is no scheduler and no kubelet, so Pods stay Pending.

Where the binaries come from, in order:

* ``TEST_USE_EXISTING_CLUSTER=1``: nothing is started; the current kubeconfig (``$KUBECONFIG``, else
  ``~/.kube/config``) is used as is.
* ``KUBEBUILDER_ASSETS=<dir>``: kube-apiserver and etcd (and kube-controller-manager and kubectl if the
  directory has them) from that directory, the envtest convention.
* otherwise the tool dir that ``hack/build-tools.sh`` fills from the Go modules pinned in ``hack/tools``
  at the versions in ``hack/versions.env`` (``$COGNITO_SSO_TOOLS_DIR`` overrides its location).

Credentials: a static admin token in ``system:masters`` (``--token-auth-file``), a generated CA that
signs the API server's serving certificate (and is the kubeconfig's CA and the controller manager's root
CA), and a generated service-account signing key. The admin kubeconfig is written to the work dir.

Usage::

    with ControlPlane() as plane:
        plane.kubectl("get", "namespaces")

or ``python -m cognito_sso_operator.envtest`` to start one for manual poking (prints ``export KUBECONFIG``).
Set ``COGNITO_SSO_ENVTEST_KEEP=1`` to keep the work dir (logs, certs, etcd data) after ``stop()``.

Processes: each runs in its own process group (``stop()`` kills the group: SIGTERM, then SIGKILL after a
grace period) and logs to ``<work dir>/<name>.log`` (``etcd_log``, ``apiserver_log``,
``controller_manager_log``). On Linux, children spawned from the main thread get
``PR_SET_PDEATHSIG=SIGKILL``, so a test run killed with SIGKILL leaves none behind; the work dir then stays.
kube-controller-manager runs ``--controllers=*`` unless ``controllers=`` or
``COGNITO_SSO_ENVTEST_CONTROLLERS`` (e.g. ``*,-job-controller``) says otherwise; if it fails to start, the
error and its log tail are logged and the plane runs without it (``controller_manager_running`` is False).
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import datetime
import ipaddress
import logging
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

log = logging.getLogger(__name__)

ADMIN_USER = "envtest-admin"
ADMIN_GROUP = "system:masters"
SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24"
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
VERSION_KEYS = ("KUBERNETES_VERSION", "ETCD_VERSION", "HELM_VERSION")
TRUTHY = frozenset({"1", "true", "yes", "on"})
# kube-apiserver's graceful shutdown waits ~10 s while clients hold watches open; tests do not need that.
APISERVER_STOP_GRACE = 3.0


class EnvtestError(RuntimeError):
    """The control plane could not be started (the message says why and where the logs are)."""


class KubectlError(subprocess.CalledProcessError):
    """A failed kubectl call; unlike CalledProcessError its message includes kubectl's stderr."""

    def __str__(self) -> str:
        err = self.stderr if isinstance(self.stderr, str) else ""
        return f"{super().__str__()}\n{err.strip()}"


# --------------------------------------------------------------------------------------------------
# Pure helpers (unit-tested)
# --------------------------------------------------------------------------------------------------


def parse_versions_env(text: str) -> dict[str, str]:
    """Parse hack/versions.env (``KEY=value`` lines, ``#`` comments, optional quotes)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"not a KEY=value line in versions.env: {raw!r}")
        value = value.split(" #", 1)[0].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def default_tools_dir(versions: Mapping[str, str], home: Path) -> Path:
    """The tool dir hack/build-tools.sh uses when COGNITO_SSO_TOOLS_DIR is not set."""
    missing = [k for k in VERSION_KEYS if not versions.get(k)]
    if missing:
        raise ValueError(f"versions.env lacks {', '.join(missing)}")
    name = f"k8s-{versions['KUBERNETES_VERSION']}_etcd-{versions['ETCD_VERSION']}_helm-{versions['HELM_VERSION']}"
    return home / ".cache" / "cognito-sso-operator" / "tools" / name


def repo_root() -> Path | None:
    """The source checkout this module lives in (has hack/versions.env), or None when installed."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "hack" / "versions.env").is_file() else None


def resolve_tools_dir(environ: Mapping[str, str] | None = None, root: Path | None = None) -> Path:
    """Where hack/build-tools.sh puts (or put) the binaries."""
    env = os.environ if environ is None else environ
    if env.get("COGNITO_SSO_TOOLS_DIR"):
        return Path(env["COGNITO_SSO_TOOLS_DIR"])
    root = root or repo_root()
    if root is None:
        raise EnvtestError(
            "cannot locate the tool dir: not running from a source checkout; "
            "set COGNITO_SSO_TOOLS_DIR, KUBEBUILDER_ASSETS or TEST_USE_EXISTING_CLUSTER=1"
        )
    versions = parse_versions_env((root / "hack" / "versions.env").read_text())
    home = Path(env.get("HOME") or Path.home())
    return default_tools_dir(versions, home)


def is_truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUTHY


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the kernel picks it; small race accepted, see start())."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file ('' if it does not exist)."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    text = data[-256 * 1024 :].decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def render_kubeconfig(server: str, ca_pem: bytes, token: str, *, name: str = "envtest") -> str:
    """An admin kubeconfig with the CA embedded and a bearer token."""
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": name,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode("ascii"),
                },
            }
        ],
        "users": [{"name": ADMIN_USER, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": ADMIN_USER}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def kubeconfig_server(kubeconfig_text: str) -> str:
    """The server URL of the current context of a kubeconfig."""
    doc = yaml.safe_load(kubeconfig_text) or {}
    contexts = {c["name"]: c.get("context", {}) for c in doc.get("contexts") or []}
    clusters = {c["name"]: c.get("cluster", {}) for c in doc.get("clusters") or []}
    current = doc.get("current-context")
    if not current or current not in contexts:
        raise ValueError("kubeconfig has no usable current-context")
    cluster = clusters.get(contexts[current].get("cluster", ""))
    if not cluster or not cluster.get("server"):
        raise ValueError(f"kubeconfig context {current!r} has no cluster server")
    return str(cluster["server"])


def etcd_args(data_dir: Path, client_port: int, peer_port: int) -> list[str]:
    client = f"http://127.0.0.1:{client_port}"
    peer = f"http://127.0.0.1:{peer_port}"
    return [
        "--name=envtest",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=envtest={peer}",
        "--initial-cluster-state=new",
        "--unsafe-no-fsync=true",  # a throwaway test store: durability buys nothing, fsync costs seconds
        "--log-level=warn",
    ]


@dataclass(frozen=True)
class PkiPaths:
    """Files ControlPlane generates in <work>/pki."""

    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    sa_key: Path
    sa_pub: Path
    token_file: Path


def apiserver_args(
    *,
    etcd_url: str,
    port: int,
    cert_dir: Path,
    pki: PkiPaths,
    service_account_admission: bool,
) -> list[str]:
    args = [
        f"--etcd-servers={etcd_url}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={port}",
        f"--cert-dir={cert_dir}",
        f"--tls-cert-file={pki.serving_cert}",
        f"--tls-private-key-file={pki.serving_key}",
        f"--client-ca-file={pki.ca_cert}",
        f"--token-auth-file={pki.token_file}",
        "--authorization-mode=RBAC",
        f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
        f"--service-account-key-file={pki.sa_pub}",
        f"--service-account-signing-key-file={pki.sa_key}",
        f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
        "--allow-privileged=true",
        # The "kubernetes" Service would get 127.0.0.1 as endpoint, which EndpointSlice validation
        # rejects (loopback); nothing in-cluster talks to it here, so skip the reconciler.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ]
    if not service_account_admission:
        # The ServiceAccount admission plugin rejects Pods until the controller manager has created the
        # namespace's "default" ServiceAccount; without a controller manager, turn it off (as envtest).
        args.append("--disable-admission-plugins=ServiceAccount")
    return args


def controller_manager_args(
    *, kubeconfig: Path, port: int, cert_dir: Path, pki: PkiPaths, controllers: Sequence[str] = ("*",)
) -> list[str]:
    return [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--controllers={','.join(controllers)}",
        f"--service-account-private-key-file={pki.sa_key}",
        f"--root-ca-file={pki.ca_cert}",
        f"--cluster-signing-cert-file={pki.ca_cert}",
        f"--cluster-signing-key-file={pki.ca_key}",
        "--use-service-account-credentials=true",
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        f"--secure-port={port}",
        f"--cert-dir={cert_dir}",
        f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
        "--profiling=false",
    ]


# --------------------------------------------------------------------------------------------------
# PKI
# --------------------------------------------------------------------------------------------------


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, mode: int = 0o600) -> None:
    path.write_bytes(data)
    path.chmod(mode)


def generate_pki(directory: Path, admin_token: str) -> PkiPaths:
    """CA, API server serving cert (loopback + in-cluster names), service-account key, token file."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    not_before = now - datetime.timedelta(minutes=5)
    not_after = now + datetime.timedelta(days=7)

    ca_key = _new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cognito-sso-envtest-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    serving_key = _new_key()
    service_ip = next(iter(ipaddress.IPv4Network(SERVICE_CLUSTER_IP_RANGE).hosts()))
    sans: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(service_ip),
        x509.DNSName("localhost"),
        x509.DNSName("kubernetes"),
        x509.DNSName("kubernetes.default"),
        x509.DNSName("kubernetes.default.svc"),
        x509.DNSName("kubernetes.default.svc.cluster.local"),
    ]
    serving_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(serving_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    sa_key = _new_key()
    paths = PkiPaths(
        ca_cert=directory / "ca.crt",
        ca_key=directory / "ca.key",
        serving_cert=directory / "apiserver.crt",
        serving_key=directory / "apiserver.key",
        sa_key=directory / "sa.key",
        sa_pub=directory / "sa.pub",
        token_file=directory / "tokens.csv",
    )
    _write(paths.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(paths.ca_key, _key_pem(ca_key))
    _write(paths.serving_cert, serving_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(paths.serving_key, _key_pem(serving_key))
    _write(paths.sa_key, _key_pem(sa_key))
    _write(
        paths.sa_pub,
        sa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        0o644,
    )
    # token,user,uid,"group1,group2"
    _write(paths.token_file, f'{admin_token},{ADMIN_USER},{ADMIN_USER},"{ADMIN_GROUP}"\n'.encode())
    return paths


# --------------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------------


def _load_prctl() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        import ctypes

        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


# Resolved in the parent: the forked child must not import or dlopen anything before exec.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1
_SIGKILL = int(signal.SIGKILL)


def die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills the child when the thread that forked it dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, _SIGKILL)


def child_preexec() -> Callable[[], None] | None:
    """`preexec_fn` for long-lived children (etcd, kube-apiserver, the Cognito stand-in) so that a test run
    killed with SIGKILL leaves none behind. Linux only, and only when spawning from the main thread: the
    death signal fires when the *forking thread* exits, so a child spawned from a short-lived thread (e.g.
    restart_apiserver() called in a helper thread) would otherwise die with that thread."""
    if _PRCTL is None or threading.current_thread() is not threading.main_thread():
        return None
    return die_with_parent


class _Proc:
    """One child process in its own process group, logging to a file."""

    def __init__(
        self, name: str, argv: Sequence[str], log_path: Path, env: Mapping[str, str], grace: float = 10.0
    ) -> None:
        self.name = name
        self.grace = grace  # seconds between SIGTERM and SIGKILL
        self.argv = list(argv)
        self.log_path = log_path
        self._env = dict(env)
        self._popen: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    def start(self) -> None:
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"\n==== {time.strftime('%H:%M:%S')} {' '.join(self.argv)}\n".encode())
        self._log_file.flush()
        preexec = child_preexec()
        self._popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self._env,
            start_new_session=True,
            preexec_fn=preexec,  # only prctl(); takes no locks
        )

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds (at once with kill=True)."""
        proc = self._popen
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            try:
                proc.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if proc is not None:
            # Reap stragglers of the group (none expected; these binaries do not fork).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        self._popen = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _find_binary(name: str, dirs: Sequence[Path | None]) -> Path | None:
    for d in dirs:
        if d is not None and (d / name).is_file() and os.access(d / name, os.X_OK):
            return d / name
    return None


# --------------------------------------------------------------------------------------------------
# ControlPlane
# --------------------------------------------------------------------------------------------------


class ControlPlane:
    """etcd + kube-apiserver + kube-controller-manager on loopback; see the module docstring."""

    def __init__(
        self,
        *,
        tools_dir: Path | None = None,
        work_dir: Path | None = None,
        use_existing_cluster: bool | None = None,
        controller_manager: bool = True,
        controllers: Sequence[str] | None = None,
        build_tools: bool = False,
        startup_timeout: float = 120.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = dict(os.environ if environ is None else environ)
        self._environ = env
        self.use_existing_cluster = (
            is_truthy(env.get("TEST_USE_EXISTING_CLUSTER")) if use_existing_cluster is None else use_existing_cluster
        )
        assets = env.get("KUBEBUILDER_ASSETS")
        self.assets_dir: Path | None = Path(assets) if assets else None
        self._explicit_tools_dir = tools_dir
        self.tools_dir: Path | None = tools_dir
        self.want_controller_manager = controller_manager
        # kube-controller-manager --controllers; default all ("*"). E.g. "*,-job-controller" leaves Job
        # status to the test. Also settable as COGNITO_SSO_ENVTEST_CONTROLLERS (comma-separated).
        env_controllers = [c.strip() for c in env.get("COGNITO_SSO_ENVTEST_CONTROLLERS", "").split(",") if c.strip()]
        self.controllers: tuple[str, ...] = tuple(controllers or env_controllers or ("*",))
        self.build_tools = build_tools
        self.startup_timeout = startup_timeout
        self._requested_work_dir = work_dir
        self._keep = is_truthy(env.get("COGNITO_SSO_ENVTEST_KEEP"))
        self._lock = threading.RLock()

        self.work_dir: Path | None = None
        self.kubeconfig: Path | None = None
        self.server: str | None = None
        self.admin_token: str | None = None
        self.pki: PkiPaths | None = None
        self.etcd_port: int | None = None
        self.apiserver_port: int | None = None
        self.controller_manager_port: int | None = None
        self.etcd_log: Path | None = None
        self.apiserver_log: Path | None = None
        self.controller_manager_log: Path | None = None
        self.controller_manager_running = False
        self.controller_manager_binary: Path | None = None
        self.startup_seconds: float | None = None

        self._etcd: _Proc | None = None
        self._apiserver: _Proc | None = None
        self._kcm: _Proc | None = None
        self._bins: dict[str, Path] = {}
        self._owns_work_dir = False
        self._started = False
        self._atexit_registered = False

    # ---- context manager ---------------------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- public API --------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> ControlPlane:
        with self._lock:
            if self._started:
                return self
            t0 = time.monotonic()
            if self.use_existing_cluster:
                self._attach_existing()
            else:
                self._resolve_binaries()
                try:
                    self._start_local()
                except BaseException:
                    self._stop_processes()
                    self._cleanup_work_dir()
                    raise
            self._started = True
            self.startup_seconds = time.monotonic() - t0
            if not self._atexit_registered:
                atexit.register(self.stop)
                self._atexit_registered = True
            log.info("control plane ready at %s in %.1fs", self.server, self.startup_seconds)
            return self

    def stop(self) -> None:
        """Kill all processes (their process groups) and remove the work dir. Idempotent."""
        with self._lock:
            if not self._started:
                return
            self._stop_processes()
            self._cleanup_work_dir()
            self._started = False

    def restart_apiserver(self, *, down_seconds: float = 0.0, kill: bool = False) -> None:
        """Stop kube-apiserver and start it again on the same etcd data and the same port.

        `down_seconds` keeps it down that long before restarting (to exercise clients' retries);
        `kill=True` SIGKILLs it (a crash) instead of SIGTERM (a graceful shutdown, which kube-apiserver
        drags out while watches are open: after APISERVER_STOP_GRACE seconds it is killed anyway)."""
        with self._lock:
            if self.use_existing_cluster:
                raise EnvtestError("restart_apiserver() is not possible with TEST_USE_EXISTING_CLUSTER")
            if not self._started or self._apiserver is None:
                raise EnvtestError("the control plane is not running")
            self._apiserver.stop(kill=kill)
            if down_seconds > 0:
                time.sleep(down_seconds)
            self._start_apiserver(self._apiserver.argv)

    def kubectl(
        self,
        *args: str,
        check: bool = True,
        input: str | None = None,
        timeout: float = 120.0,
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this control plane; output is captured as text."""
        if self.kubeconfig is None:
            raise EnvtestError("the control plane is not running")
        argv = [str(self.kubectl_path()), f"--kubeconfig={self.kubeconfig}", *args]
        proc = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(),
            check=False,
        )
        if check and proc.returncode != 0:
            raise KubectlError(proc.returncode, argv, proc.stdout, proc.stderr)
        return proc

    def kubectl_path(self) -> Path:
        found = _find_binary("kubectl", [self.tools_dir, self.assets_dir])
        if found is not None:
            return found
        on_path = shutil.which("kubectl")
        if on_path is None:
            raise EnvtestError("kubectl not found: run hack/build-tools.sh (make tools) or put it on PATH")
        return Path(on_path)

    def env(self) -> dict[str, str]:
        """The environment for child processes: KUBECONFIG set, the tool dir first on PATH."""
        env = dict(self._environ)
        if self.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.kubeconfig)
        path_dirs = [str(d) for d in (self.tools_dir, self.assets_dir) if d is not None and d.is_dir()]
        env["PATH"] = os.pathsep.join([*path_dirs, env.get("PATH", os.defpath)])
        return env

    def ssl_context(self) -> ssl.SSLContext:
        """An SSL context trusting this control plane's CA (only for a plane this object started)."""
        if self.pki is None:
            raise EnvtestError("no CA: not a locally started control plane")
        return ssl.create_default_context(cafile=str(self.pki.ca_cert))

    # ---- internals ---------------------------------------------------------------------------

    def _attach_existing(self) -> None:
        raw = self._environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
        first = raw.split(os.pathsep)[0]
        path = Path(first).expanduser()
        if not path.is_file():
            raise EnvtestError(f"TEST_USE_EXISTING_CLUSTER=1 but kubeconfig {path} does not exist")
        self.kubeconfig = path
        self.server = kubeconfig_server(path.read_text())
        if self.tools_dir is None:
            with contextlib.suppress(EnvtestError):
                self.tools_dir = resolve_tools_dir(self._environ)
        log.info("using the existing cluster %s from %s", self.server, path)

    def _resolve_binaries(self) -> None:
        if self.tools_dir is None:
            try:
                self.tools_dir = resolve_tools_dir(self._environ)
            except EnvtestError:
                if self.assets_dir is None:
                    raise
        if self.build_tools:
            self._run_build_tools()

        search = [self.assets_dir, self.tools_dir] if self.assets_dir else [self.tools_dir]
        missing = []
        for name in ("etcd", "kube-apiserver"):
            found = _find_binary(name, search)
            if found is None:
                missing.append(name)
            else:
                self._bins[name] = found
        if missing:
            where = ", ".join(str(d) for d in search if d is not None)
            raise EnvtestError(
                f"{' and '.join(missing)} not found in {where}: run `make tools` (hack/build-tools.sh), "
                "or set KUBEBUILDER_ASSETS to a directory holding kube-apiserver and etcd"
            )
        kcm = _find_binary("kube-controller-manager", search)
        if kcm is not None:
            self._bins["kube-controller-manager"] = kcm
            self.controller_manager_binary = kcm if self.want_controller_manager else None
        elif self.want_controller_manager:
            log.warning("kube-controller-manager not found in %s; running without it", search)

    def _run_build_tools(self) -> None:
        root = repo_root()
        if root is None:
            raise EnvtestError("build_tools=True needs a source checkout (hack/build-tools.sh)")
        env = dict(self._environ)
        if self._explicit_tools_dir is not None:
            env["COGNITO_SSO_TOOLS_DIR"] = str(self._explicit_tools_dir)
        proc = subprocess.run(
            ["bash", str(root / "hack" / "build-tools.sh")],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise EnvtestError(f"hack/build-tools.sh failed with exit code {proc.returncode}")
        self.tools_dir = Path(proc.stdout.strip().splitlines()[-1])

    def _prepare_work_dir(self) -> Path:
        if self._requested_work_dir is not None:
            self._requested_work_dir.mkdir(parents=True, exist_ok=True)
            self._owns_work_dir = False
            return self._requested_work_dir
        self._owns_work_dir = True
        return Path(tempfile.mkdtemp(prefix="cognito-sso-envtest-"))

    def _child_env(self) -> dict[str, str]:
        return {k: v for k, v in self._environ.items() if k != "KUBECONFIG"}

    def _start_local(self) -> None:
        work = self.work_dir = self._prepare_work_dir()
        self.admin_token = secrets.token_urlsafe(32)
        self.pki = generate_pki(work / "pki", self.admin_token)
        self.etcd_log = work / "etcd.log"
        self.apiserver_log = work / "kube-apiserver.log"
        self.controller_manager_log = work / "kube-controller-manager.log"

        deadline = time.monotonic() + self.startup_timeout
        self._start_etcd(work, deadline)

        run_kcm = self.want_controller_manager and "kube-controller-manager" in self._bins
        # A port picked by free_port() can be taken before the apiserver binds it: retry a few times.
        for attempt in range(3):
            self.apiserver_port = free_port()
            self.server = f"https://127.0.0.1:{self.apiserver_port}"
            args = apiserver_args(
                etcd_url=f"http://127.0.0.1:{self.etcd_port}",
                port=self.apiserver_port,
                cert_dir=work / "apiserver-certs",
                pki=self.pki,
                service_account_admission=run_kcm,
            )
            try:
                self._start_apiserver([str(self._bins["kube-apiserver"]), *args], deadline=deadline)
                break
            except EnvtestError:
                if attempt == 2 or "address already in use" not in tail(self.apiserver_log, 60):
                    raise
                log.warning("kube-apiserver port %s was taken; retrying on another", self.apiserver_port)

        assert self.server is not None
        self.kubeconfig = work / "kubeconfig"
        ca_pem = self.pki.ca_cert.read_bytes()
        _write(self.kubeconfig, render_kubeconfig(self.server, ca_pem, self.admin_token).encode())

        if run_kcm:
            self._start_controller_manager(work)

    def _start_etcd(self, work: Path, deadline: float) -> None:
        assert self.etcd_log is not None
        for attempt in range(3):
            data_dir = work / "etcd-data"
            shutil.rmtree(data_dir, ignore_errors=True)
            data_dir.mkdir(mode=0o700)
            self.etcd_port = free_port()
            peer_port = free_port()
            argv = [str(self._bins["etcd"]), *etcd_args(data_dir, self.etcd_port, peer_port)]
            self._etcd = _Proc("etcd", argv, self.etcd_log, self._child_env())
            self._etcd.start()
            url = f"http://127.0.0.1:{self.etcd_port}/health"
            if self._wait_http(url, self._etcd, deadline, verify=False, expect_body='"health":"true"'):
                return
            self._etcd.stop()
            if attempt < 2 and "address already in use" in tail(self.etcd_log, 60):
                log.warning("etcd port was taken; retrying on another")
                continue
            raise EnvtestError(f"etcd did not become healthy; tail of {self.etcd_log}:\n{tail(self.etcd_log)}")

    def _start_apiserver(self, argv: list[str], deadline: float | None = None) -> None:
        assert self.apiserver_log is not None
        assert self.pki is not None
        if deadline is None:
            deadline = time.monotonic() + self.startup_timeout
        self._apiserver = _Proc(
            "kube-apiserver", argv, self.apiserver_log, self._child_env(), grace=APISERVER_STOP_GRACE
        )
        self._apiserver.start()
        url = f"https://127.0.0.1:{self.apiserver_port}/readyz"
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_cert))
        if not self._wait_http(url, self._apiserver, deadline, verify=ctx, token=self.admin_token):
            rc = self._apiserver.returncode()
            self._apiserver.stop()
            state = f"exited with code {rc}" if rc is not None else "did not get ready in time"
            raise EnvtestError(
                f"kube-apiserver {state} (readyz {url}); tail of {self.apiserver_log}:\n{tail(self.apiserver_log)}"
            )

    def _start_controller_manager(self, work: Path) -> None:
        assert self.pki is not None
        assert self.kubeconfig is not None
        assert self.controller_manager_log is not None
        self.controller_manager_port = free_port()
        argv = [
            str(self._bins["kube-controller-manager"]),
            *controller_manager_args(
                kubeconfig=self.kubeconfig,
                port=self.controller_manager_port,
                cert_dir=work / "kcm-certs",
                pki=self.pki,
                controllers=self.controllers,
            ),
        ]
        self._kcm = _Proc("kube-controller-manager", argv, self.controller_manager_log, self._child_env(), grace=5.0)
        self._kcm.start()
        url = f"https://127.0.0.1:{self.controller_manager_port}/healthz"
        deadline = time.monotonic() + min(60.0, self.startup_timeout)
        if self._wait_http(url, self._kcm, deadline, verify=False):
            self.controller_manager_running = True
            return
        rc = self._kcm.returncode()
        self._kcm.stop()
        self._kcm = None
        self.controller_manager_running = False
        log.error(
            "kube-controller-manager failed to start (%s); continuing without it (no garbage collection, "
            "no ReplicaSets). Tail of %s:\n%s",
            f"exit code {rc}" if rc is not None else "healthz not ok",
            self.controller_manager_log,
            tail(self.controller_manager_log),
        )

    @staticmethod
    def _wait_http(
        url: str,
        proc: _Proc,
        deadline: float,
        *,
        verify: ssl.SSLContext | bool,
        token: str | None = None,
        expect_body: str | None = None,
    ) -> bool:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        delay = 0.05
        with httpx.Client(verify=verify, timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if not proc.alive():
                    return False
                try:
                    resp = client.get(url, headers=headers)
                    if resp.status_code == 200 and (expect_body is None or expect_body in resp.text):
                        return True
                except httpx.HTTPError:
                    pass
                time.sleep(delay)
                delay = min(delay * 1.5, 0.5)
        return False

    def _stop_processes(self) -> None:
        for proc in (self._kcm, self._apiserver, self._etcd):
            if proc is not None:
                try:
                    proc.stop()
                except Exception:  # keep stopping the others
                    log.exception("failed to stop %s", proc.name)
        self._kcm = self._apiserver = self._etcd = None
        self.controller_manager_running = False

    def _cleanup_work_dir(self) -> None:
        if self.work_dir is None or not self._owns_work_dir:
            return
        if self._keep:
            log.info("keeping the control plane work dir %s (COGNITO_SSO_ENVTEST_KEEP)", self.work_dir)
            return
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.work_dir = None


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cognito_sso_operator.envtest",
        description="Start a local control plane (etcd, kube-apiserver, kube-controller-manager) and wait.",
    )
    parser.add_argument("--no-controller-manager", action="store_true", help="do not start kcm")
    parser.add_argument("--no-build", action="store_true", help="do not run hack/build-tools.sh first")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep state here instead of a temp dir")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness poll otherwise

    build = not args.no_build and repo_root() is not None and not os.environ.get("KUBEBUILDER_ASSETS")
    plane = ControlPlane(
        controller_manager=not args.no_controller_manager,
        build_tools=build,
        work_dir=args.work_dir,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        plane.start()
    except EnvtestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"export KUBECONFIG={plane.kubeconfig}")
        if plane.tools_dir is not None:
            print(f'export PATH="{plane.tools_dir}:$PATH"')
        print(f"# server {plane.server}; logs in {plane.work_dir}; Ctrl-C to stop", flush=True)
        while not stop.wait(1.0):
            pass
    finally:
        plane.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
