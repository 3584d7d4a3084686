"""`make demo`: the operator end to end on a local control plane and a local Cognito stand-in.

Starts a ControlPlane (etcd + kube-apiserver + kube-controller-manager) and the moto Cognito stand-in,
installs the CRD, runs `cognito-sso-operator run --all-namespaces` against them, creates a sample
OpenMetadata Deployment and its client Secret, applies examples/cognitosso.yaml (with the stand-in's
pool and client substituted), waits for Ready and prints what the operator produced.

Environment:
  DEMO_EXIT=1            exit after printing instead of staying up until Ctrl-C
  DEMO_REQUIRE_READY=0   with DEMO_EXIT=1, exit 0 even if the CognitoSSO did not become Ready
  DEMO_READY_TIMEOUT     seconds to wait for Ready (default 60)
Anything else (COGNITO_SSO_*) is passed to the operator.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from types import FrameType

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane, EnvtestError, free_port, tail

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cognitosso.yaml"
PLACEHOLDER_AUTHORITY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE"
PLACEHOLDER_CLIENT_ID = "EXAMPLECLIENTID"
NAMESPACE = "openmetadata"
CR_NAME = "openmetadata-sso"
CONFIGMAP = f"{CR_NAME}-sso-env"
OM_IMAGE = "docker.getopenmetadata.org/openmetadata/server:1.13.1"
HASH_ANNOTATION = "cognito-sso.dev/config-hash"


class DemoError(Exception):
    pass


def say(msg: str) -> None:
    print(f"demo: {msg}", flush=True)


def section(title: str, body: str) -> None:
    print(f"\n=== {title}\n{body.rstrip()}\n", flush=True)


def operator_command() -> list[str]:
    exe = Path(sys.executable).parent / "cognito-sso-operator"
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("cognito-sso-operator")
    return [found] if found else [sys.executable, "-m", "cognito_sso_operator.cli"]


def install_crd(plane: ControlPlane) -> None:
    proc = subprocess.run([*operator_command(), "crd"], capture_output=True, text=True, check=False)
    if proc.returncode != 0 or "CustomResourceDefinition" not in proc.stdout:
        raise DemoError(
            "`cognito-sso-operator crd` is not available or failed "
            f"(exit {proc.returncode}):\n{proc.stderr.strip() or proc.stdout.strip()}"
        )
    plane.kubectl("apply", "--server-side", "-f", "-", input=proc.stdout)
    plane.kubectl("wait", "--for=condition=Established", "crd/cognitossos.cognito-sso.dev", "--timeout=60s")
    say("CRD cognitossos.cognito-sso.dev installed")


def sample_openmetadata(client_secret: str) -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {NAMESPACE}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: cognito-client
          namespace: {NAMESPACE}
        type: Opaque
        stringData:
          clientSecret: "{client_secret}"
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: openmetadata
          namespace: {NAMESPACE}
          labels: {{app.kubernetes.io/name: openmetadata}}
        spec:
          replicas: 1
          selector:
            matchLabels: {{app.kubernetes.io/name: openmetadata}}
          template:
            metadata:
              labels: {{app.kubernetes.io/name: openmetadata}}
            spec:
              containers:
                - name: openmetadata-server
                  image: {OM_IMAGE}
                  ports:
                    - {{name: http, containerPort: 8585}}
        """
    )


def render_example(cognito: CognitoStandIn) -> str:
    text = EXAMPLE.read_text()
    for placeholder in (PLACEHOLDER_AUTHORITY, PLACEHOLDER_CLIENT_ID):
        if placeholder not in text:
            raise DemoError(f"{EXAMPLE} no longer contains the placeholder {placeholder!r}")
    return text.replace(PLACEHOLDER_AUTHORITY, cognito.authority).replace(PLACEHOLDER_CLIENT_ID, cognito.client_id)


class Operator:
    def __init__(self, plane: ControlPlane, cognito: CognitoStandIn, log_path: Path) -> None:
        env = plane.env()
        env.setdefault("COGNITO_SSO_LOG_FORMAT", "text")
        env["COGNITO_SSO_COGNITO_ENDPOINT_URL"] = cognito.endpoint_url
        # Other developers may run demos or tests on the same machine: no fixed ports.
        env.setdefault("COGNITO_SSO_METRICS_PORT", str(free_port()))
        env.setdefault("COGNITO_SSO_LIVENESS_PORT", str(free_port()))
        env["PYTHONUNBUFFERED"] = "1"
        self.log_path = log_path
        self._log = log_path.open("ab")
        argv = [*operator_command(), "run", "--all-namespaces", "--log-format", "text"]
        say(f"starting the operator: {' '.join(argv)} (log: {log_path})")
        self.proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def check_alive(self) -> None:
        rc = self.proc.poll()
        if rc is not None:
            raise DemoError(f"the operator exited with code {rc}; log:\n{tail(self.log_path, 60)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()


def wait_ready(plane: ControlPlane, operator: Operator, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        operator.check_alive()
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        step = int(min(5, max(1, left)))
        proc = plane.kubectl(
            "wait", "-n", NAMESPACE, "--for=condition=Ready", f"cognitosso/{CR_NAME}", f"--timeout={step}s", check=False
        )
        if proc.returncode == 0:
            return True


def report(plane: ControlPlane) -> None:
    def kc(*args: str) -> str:
        proc = plane.kubectl(*args, check=False)
        return proc.stdout if proc.returncode == 0 else f"(kubectl failed: {proc.stderr.strip()})"

    section("kubectl get cognitossos -A -o wide", kc("get", "cognitossos", "-A", "-o", "wide"))
    conditions = kc(
        "get",
        "cognitosso",
        CR_NAME,
        "-n",
        NAMESPACE,
        "-o",
        'jsonpath={range .status.conditions[*]}{.type}{"\\t"}{.status}{"\\t"}{.reason}{"\\t"}{.message}{"\\n"}{end}',
    )
    section("conditions (type, status, reason, message)", conditions or "(none)")
    section(f"ConfigMap {NAMESPACE}/{CONFIGMAP}", kc("get", "configmap", CONFIGMAP, "-n", NAMESPACE, "-o", "yaml"))
    annotation = HASH_ANNOTATION.replace(".", "\\.")
    value = kc(
        "get",
        "deployment",
        "openmetadata",
        "-n",
        NAMESPACE,
        "-o",
        f"jsonpath={{.spec.template.metadata.annotations.{annotation}}}",
    )
    section(f"Deployment {NAMESPACE}/openmetadata pod-template annotation {HASH_ANNOTATION}", value or "(not set)")


def main() -> int:
    exit_after = os.environ.get("DEMO_EXIT", "") in ("1", "true", "yes")
    require_ready = os.environ.get("DEMO_REQUIRE_READY", "1") != "0"
    ready_timeout = float(os.environ.get("DEMO_READY_TIMEOUT", "60"))

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Explicitly, also for SIGINT: a shell without job control starts background jobs with SIGINT ignored,
    # and Python would then never raise KeyboardInterrupt.
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    work = Path(tempfile.mkdtemp(prefix="cognito-sso-demo-"))
    plane = ControlPlane()
    cognito: CognitoStandIn | None = None
    operator: Operator | None = None
    try:
        t0 = time.monotonic()
        plane.start()
        say(f"control plane up at {plane.server} in {time.monotonic() - t0:.1f}s (kubeconfig {plane.kubeconfig})")
        cognito = CognitoStandIn.start()
        say(f"Cognito stand-in at {cognito.endpoint_url}: pool {cognito.pool_id}, client {cognito.client_id}")

        install_crd(plane)
        plane.kubectl("apply", "-f", "-", input=sample_openmetadata(cognito.client_secret))
        say(f"namespace {NAMESPACE}: Deployment openmetadata ({OM_IMAGE}) and Secret cognito-client created")

        operator = Operator(plane, cognito, work / "operator.log")
        manifest = work / "cognitosso.yaml"
        manifest.write_text(render_example(cognito))
        plane.kubectl("apply", "-n", NAMESPACE, "-f", str(manifest))
        say(f"applied {manifest} (examples/cognitosso.yaml with the stand-in's authority and client id)")

        ready = wait_ready(plane, operator, ready_timeout)
        say(
            f"CognitoSSO {NAMESPACE}/{CR_NAME} is Ready"
            if ready
            else f"CognitoSSO not Ready after {ready_timeout:.0f}s"
        )
        report(plane)
        if not ready:
            section("operator log (tail)", tail(operator.log_path, 60))

        if exit_after:
            return 0 if ready or not require_ready else 1
        print(f"export KUBECONFIG={plane.kubeconfig}")
        print(f'export PATH="{plane.tools_dir}:$PATH"')
        print(f"# operator log: {operator.log_path}; Ctrl-C to stop everything", flush=True)
        while True:
            operator.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        say("interrupted; cleaning up")
        return 130
    except (DemoError, EnvtestError, subprocess.CalledProcessError) as exc:
        print(f"demo: error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish cleaning up even on a second Ctrl-C
        if operator is not None:
            operator.stop()
        if cognito is not None:
            cognito.stop()
        plane.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
