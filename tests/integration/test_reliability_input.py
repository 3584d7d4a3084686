"""Huge and hostile objects at admission (server-side dry run) and end to end through the operator, and the
namespace boundary of the client secret reference."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from cognito_sso_operator.cognito_standin import CognitoStandIn
from cognito_sso_operator.envtest import ControlPlane
from tests import reliability_stats, secrets_registry

from .operator_harness import GROUP, PLURAL, VERSION, Kube, OperatorProcess, decode, spec_for, wait_for
from .reliability_harness import extra_namespace, settled

pytestmark = pytest.mark.reliability

AUTHORITY = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF"
JWKS = f"{AUTHORITY}/.well-known/jwks.json"
ONE_LINE = re.compile(r"[\x20-\x7e]*")
YAMLISH = ["{", "}", ": ", " #", "# x", "- item", "? k", "&anchor", "*alias", "!!python/object:os.system", "null",
           "~", "yes", "0x1f", "'quoted'", '"dq"', "a: b", "k: {n: [1]}", "|", ">", "---", "%TAG", "@at", "`tick`",
           "Ünïcödé", "中文", "☃", "😀", "\u2028-free", "\u202eRTL", "back\\slash", "${X}"]


def manifest(name: str = "hostile", **spec_over: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "authority": AUTHORITY,
        "oidc": {"clientId": "CLIENTID", "clientSecretRef": {"name": "cognito-client"},
                 "serverUrl": "https://om.example.com"},
        "authorizer": {"adminPrincipals": ["admin@example.com"], "principalDomain": "example.com"},
    }
    for key, value in spec_over.items():
        if isinstance(value, dict) and isinstance(spec.get(key), dict):
            spec[key] = {**spec[key], **value}
        else:
            spec[key] = value
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "CognitoSSO", "metadata": {"name": name}, "spec": spec}


def dry_run(plane: ControlPlane, doc: dict[str, Any], namespace: str = "default") -> subprocess.CompletedProcess[str]:
    # JSON, not YAML: control characters and lone characters reach the apiserver exactly as written.
    return plane.kubectl("apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-",
                         input=json.dumps(doc), check=False, timeout=180)


_rs = [f"https://api.example.com/scope{i}" for i in range(40)]
HOSTILE = {
    # name: (manifest, admitted?, text the rejection must contain)
    "admins-at-max-32": (manifest(authorizer={"adminPrincipals": [f"u{i}@example.com" for i in range(32)]}), True, ""),
    "admins-33": (manifest(authorizer={"adminPrincipals": [f"u{i}" for i in range(33)]}), False, "32"),
    "claims-at-max-32": (manifest(jwtPrincipalClaims=[f"c{i}" for i in range(32)]), True, ""),
    "claims-33": (manifest(jwtPrincipalClaims=[f"c{i}" for i in range(33)]), False, "32"),
    "public-keys-at-max-32": (manifest(publicKeyUrls=[JWKS, *[f"https://k{i}.example.com/jwks" for i in range(31)]]),
                              True, ""),
    "public-keys-33": (manifest(publicKeyUrls=[JWKS, *[f"https://k{i}.example.com/jwks" for i in range(32)]]),
                       False, "32"),
    "scopes-at-max-32": (manifest(oidc={"scopes": ["openid", *_rs[:31]]}), True, ""),
    "scopes-33": (manifest(oidc={"scopes": ["openid", *_rs[:32]]}), False, "32"),
    "provider-name-256-unicode": (manifest(providerName="é" * 256), True, ""),
    "provider-name-257": (manifest(providerName="é" * 257), False, "256"),
    "server-url-2048": (manifest(oidc={"serverUrl": "https://om.example.com/" + "p" * (2048 - 23)}), True, ""),
    "server-url-2049": (manifest(oidc={"serverUrl": "https://om.example.com/" + "p" * (2049 - 23)}), False, "2048"),
    "authority-3000": (manifest(authority=AUTHORITY + "x" * 3000), False, "spec.authority"),
    "provider-name-1MiB": (manifest(providerName="x" * (1024 * 1024)), False, "256"),
    "unknown-field-1MiB": (manifest(padding="x" * (1024 * 1024)), False, "unknown field"),
    "deeply-nested-unknown": (manifest(oidc={"extra": json.loads("[" * 60 + "]" * 60)}), False, "unknown field"),
    "yaml-looking-values": (manifest(providerName="{: #} - &a *a", authorizer={"adminPrincipals": YAMLISH}), True, ""),
    "yaml-looking-claims": (manifest(jwtPrincipalClaims=YAMLISH), True, ""),
    "newline-in-provider-name": (manifest(providerName="Cognito\nAUTHENTICATION_PROVIDER: basic"), False,
                                 "spec.providerName"),
    "tab-in-admin": (manifest(authorizer={"adminPrincipals": ["ad\tmin"]}), False, "adminPrincipals"),
    "nul-in-claim": (manifest(jwtPrincipalClaims=["sub\u0000"]), False, "jwtPrincipalClaims"),
    "escape-in-server-url": (manifest(oidc={"serverUrl": "https://om.example.com/\u001b[31m"}), False, "serverUrl"),
    "del-in-domain": (manifest(authorizer={"principalDomain": "example.com\u007f"}), False, "principalDomain"),
    "name-201-chars": (manifest(name="n" * 201), False, "200"),
    "client-id-injection": (manifest(oidc={"clientId": "abc\"\nOIDC_CLIENT_SECRET: x"}), False, "clientId"),
    "secret-ref-name-path": (manifest(oidc={"clientSecretRef": {"name": "../kube-system/secret"}}), False,
                             "clientSecretRef"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_object_at_admission(control_plane: ControlPlane, crd: None, case: str) -> None:
    doc, admitted, expect = HOSTILE[case]
    proc = dry_run(control_plane, doc)
    answer = (proc.stdout + proc.stderr)[-4000:]
    if admitted:
        assert proc.returncode == 0, f"{case} was rejected: {answer}"
    else:
        assert proc.returncode != 0, f"{case} was admitted: {answer}"
        assert expect in answer, f"{case}: the rejection does not say why: {answer}"
    reliability_stats.bad_inputs("admission (server-side dry run)")


# ---- end to end through the operator -----------------------------------------------------------------------


def _intended_admins(principals: list[str]) -> list[str]:
    out: list[str] = []
    for p in principals:
        name = p.split("@", 1)[0].lower() if "@" in p else p
        if name not in out:
            out.append(name)
    return out


def _assert_safe(env: dict[str, str], intended: dict[str, Any]) -> None:
    for key, value in env.items():
        assert ONE_LINE.fullmatch(value), f"{key} is not one printable ASCII line"
        json.loads(value)
    for key, want in intended.items():
        assert decode(env[key]) == want, key
        bmp = all(ord(c) <= 0xFFFF for s in (want if isinstance(want, list) else [want]) for c in s)
        if bmp:  # PyYAML does not join escaped surrogate pairs (SnakeYAML does)
            assert yaml.safe_load(f"{key}: {env[key]}\nnext: 1\n") == {key: want, "next": 1}, key


@pytest.mark.parametrize("shape", ["yaml-looking-and-unicode", "maximum-sizes"])
def test_hostile_values_render_safely_end_to_end(
        shape: str, operator: OperatorProcess, kube: Kube, namespace: str, cognito: CognitoStandIn) -> None:
    if shape == "yaml-looking-and-unicode":
        admins = [a for a in YAMLISH if not a.startswith("@")]  # "@at" is a clean InvalidSpec (no user name)
        over: dict[str, Any] = {"providerName": "{: #} - &a *a !!str 😀", "jwtPrincipalClaims": YAMLISH}
    else:
        admins = [f"{'a' * 200}{i:02d}@example.com" for i in range(32)]
        over = {"providerName": "é" * 256, "jwtPrincipalClaims": [f"{'c' * 250}{i:02d}" for i in range(32)],
                "publicKeyUrls": [f"{cognito.authority}/.well-known/jwks.json",
                                  *[f"https://k{i}.example.com/" + "j" * 2000 for i in range(31)]]}
    spec = spec_for(cognito, **over, authorizer={"adminPrincipals": admins},
                    target={"helmValues": {"kind": "ConfigMap", "name": "om-values"}})
    kube.secret(namespace, "cognito-client", cognito.client_secret)
    kube.deployment(namespace)
    gen = kube.generation(namespace)
    kube.create_cr(namespace, spec)
    settled(kube, namespace)
    assert kube.generation(namespace) == gen + 1

    env = kube.config_map(namespace) or {}
    intended: dict[str, Any] = {
        "CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME": over["providerName"],
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS": over["jwtPrincipalClaims"],
        "AUTHORIZER_ADMIN_PRINCIPALS": _intended_admins(admins),
    }
    if "publicKeyUrls" in over:
        intended["AUTHENTICATION_PUBLIC_KEYS"] = over["publicKeyUrls"]
    _assert_safe(env, intended)
    values = yaml.safe_load((kube.config_map(namespace, "om-values") or {})["values.yaml"])
    auth = values["openmetadata"]["config"]
    assert auth["authorizer"]["initialAdmins"] == _intended_admins(admins)
    assert auth["authentication"]["jwtPrincipalClaims"] == over["jwtPrincipalClaims"]
    reliability_stats.bad_inputs("end to end through the operator")


# ---- the namespace boundary ------------------------------------------------------------------------------------


def test_secret_ref_cannot_name_another_namespace(control_plane: ControlPlane, crd: None, kube: Kube,
                                                  namespace: str) -> None:
    doc = manifest(oidc={"clientSecretRef": {"name": "cognito-client", "namespace": "kube-system"}})
    proc = dry_run(control_plane, doc, namespace)
    assert proc.returncode != 0
    assert 'unknown field "spec.oidc.clientSecretRef.namespace"' in proc.stdout + proc.stderr
    # A client that does not ask for strict field validation gets it dropped, never stored.
    kube.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, doc)
    stored = kube.cr(namespace, "hostile")
    assert stored["spec"]["oidc"]["clientSecretRef"] == {"name": "cognito-client", "key": "clientSecret"}
    reliability_stats.bad_inputs("cross-namespace secret reference", 2)


def test_identically_named_secret_in_another_namespace_is_not_used(
        operator: OperatorProcess, kube: Kube, namespace: str, cognito: CognitoStandIn) -> None:
    decoy = secrets_registry.remember("decoy-secret-of-another-namespace-31337")
    assert decoy is not None
    with extra_namespace(kube, "t-decoy") as other:
        kube.secret(other, "cognito-client", decoy, labelled=True)
        kube.deployment(namespace)
        gen = kube.generation(namespace)
        kube.create_cr(namespace, spec_for(cognito))
        cond = kube.wait_condition(namespace, "Ready", "False", reason="SecretNotFound", timeout=30)
        assert f"{namespace}/cognito-client" in cond["message"]
        assert kube.config_map(namespace) is None
        assert [s.metadata.name for s in kube.core.list_namespaced_secret(namespace).items] == []
        assert kube.generation(namespace) == gen

        kube.secret(namespace, "cognito-client", cognito.client_secret, labelled=True)
        settled(kube, namespace)
        creds = kube.core.read_namespaced_secret("sso-sso-credentials", namespace)
        used = base64.b64decode(creds.data["OIDC_CLIENT_SECRET"]).decode()
        assert used == cognito.client_secret
        assert decoy not in json.dumps(kube.cr(namespace))
        wait_for(lambda: kube.generation(namespace) == gen + 1, timeout=10, what="one restart")
    reliability_stats.bad_inputs("cross-namespace secret reference")
    reliability_stats.checked("a Secret of another namespace is never used")


# ---- the application config check talks to a URL from the spec -------------------------------------------------


class _HostileApp:
    """Stands in for OpenMetadata's /api/v1/system/config/auth, answering in a hostile way."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                with contextlib.suppress(OSError):
                    if outer.mode == "drip":  # a byte now and then, forever: never idle, never done
                        self.wfile.write(b'{"provider": "')
                        while not outer.stop.wait(0.2):
                            self.wfile.write(b"a")
                            self.wfile.flush()
                    else:  # an endless body, as fast as it goes
                        chunk = b" " * 65536
                        while not outer.stop.is_set():
                            self.wfile.write(chunk)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("mode", ["drip", "endless"])
def test_hostile_application_endpoint_cannot_stall_the_operator(
        mode: str, operator: OperatorProcess, kube: Kube, namespace: str, cognito: CognitoStandIn) -> None:
    """spec.target.serviceUrl is the user's: a server there that drips bytes forever or sends an endless body
    gets one bounded request (deadline and size cap), and the object keeps being reconciled."""
    app = _HostileApp(mode)
    try:
        kube.secret(namespace, "cognito-client", cognito.client_secret)
        kube.deployment(namespace)
        gen = kube.generation(namespace)
        kube.create_cr(namespace, spec_for(cognito, target={"serviceUrl": app.url}))
        settled(kube, namespace)
        cond = kube.wait_condition(namespace, "ApplicationInSync", "Unknown", reason="ApplicationUnreachable",
                                   timeout=20)
        assert app.url in cond["message"]
        # Still reconciled: a spec change is rendered and rolled out once.
        kube.patch_cr(namespace, {"spec": {"oidc": {"prompt": "login"}}})
        wait_for(lambda: (kube.config_map(namespace) or {}).get("OIDC_PROMPT_TYPE") == '"login"', timeout=20,
                 what="the next change while the application endpoint misbehaves")
        wait_for(lambda: kube.generation(namespace) == gen + 2, timeout=20, what="the second restart")
    finally:
        app.close()
    reliability_stats.bad_inputs(f"hostile application endpoint ({mode})")
