"""Pure helpers of the test foundation: envtest (control plane) and cognito_standin (moto wrapper)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding

from cognito_sso_operator import cognito_standin as cs
from cognito_sso_operator import envtest as et

VERSIONS = "# pinned\nKUBERNETES_VERSION=v1.34.4\nexport ETCD_VERSION='v3.6.16'\nHELM_VERSION=\"v3.19.5\"  # c\n\n"


def test_parse_versions_env() -> None:
    assert et.parse_versions_env(VERSIONS) == {
        "KUBERNETES_VERSION": "v1.34.4",
        "ETCD_VERSION": "v3.6.16",
        "HELM_VERSION": "v3.19.5",
    }
    with pytest.raises(ValueError, match="KEY=value"):
        et.parse_versions_env("nonsense\n")


def test_default_tools_dir_matches_build_script_layout() -> None:
    d = et.default_tools_dir(et.parse_versions_env(VERSIONS), Path("/home/u"))
    assert d == Path("/home/u/.cache/cognito-sso-operator/tools/k8s-v1.34.4_etcd-v3.6.16_helm-v3.19.5")
    with pytest.raises(ValueError, match="HELM_VERSION"):
        et.default_tools_dir({"KUBERNETES_VERSION": "v1", "ETCD_VERSION": "v2"}, Path("/h"))


def test_resolve_tools_dir(tmp_path: Path) -> None:
    assert et.resolve_tools_dir({"COGNITO_SSO_TOOLS_DIR": "/opt/t"}) == Path("/opt/t")
    (tmp_path / "hack").mkdir()
    (tmp_path / "hack" / "versions.env").write_text(VERSIONS)
    got = et.resolve_tools_dir({"HOME": "/home/x"}, root=tmp_path)
    assert got == Path("/home/x/.cache/cognito-sso-operator/tools/k8s-v1.34.4_etcd-v3.6.16_helm-v3.19.5")


def test_repo_versions_env_is_parseable() -> None:
    root = et.repo_root()
    assert root is not None
    versions = et.parse_versions_env((root / "hack" / "versions.env").read_text())
    assert set(et.VERSION_KEYS) <= set(versions)


def test_truthy() -> None:
    assert et.is_truthy("1")
    assert et.is_truthy(" TRUE ")
    assert not et.is_truthy("0")
    assert not et.is_truthy(None)


def test_kubeconfig_roundtrip() -> None:
    text = et.render_kubeconfig("https://127.0.0.1:6443", b"PEM", "tok")
    doc = yaml.safe_load(text)
    assert et.kubeconfig_server(text) == "https://127.0.0.1:6443"
    assert doc["users"][0]["user"]["token"] == "tok"
    assert base64.b64decode(doc["clusters"][0]["cluster"]["certificate-authority-data"]) == b"PEM"
    with pytest.raises(ValueError, match="current-context"):
        et.kubeconfig_server("apiVersion: v1\nkind: Config\n")


def test_free_port_and_tail(tmp_path: Path) -> None:
    assert 0 < et.free_port() < 65536
    log = tmp_path / "x.log"
    assert et.tail(log) == ""
    log.write_text("\n".join(f"line {i}" for i in range(100)))
    assert et.tail(log, 2) == "line 98\nline 99"


def test_generate_pki_and_args(tmp_path: Path) -> None:
    pki = et.generate_pki(tmp_path / "pki", "secret-token")
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    serving = x509.load_pem_x509_certificate(pki.serving_cert.read_bytes())
    assert serving.issuer == ca.subject
    pub = ca.public_key()
    from cryptography.hazmat.primitives.asymmetric import rsa

    assert isinstance(pub, rsa.RSAPublicKey)
    assert serving.signature_hash_algorithm is not None
    pub.verify(
        serving.signature,
        serving.tbs_certificate_bytes,
        padding.PKCS1v15(),
        serving.signature_hash_algorithm,
    )
    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    assert "kubernetes.default.svc" in sans.get_values_for_type(x509.DNSName)
    assert pki.token_file.read_text().startswith("secret-token,")
    assert "system:masters" in pki.token_file.read_text()
    assert oct(pki.sa_key.stat().st_mode & 0o777) == "0o600"

    args = et.apiserver_args(
        etcd_url="http://127.0.0.1:1", port=2, cert_dir=tmp_path, pki=pki, service_account_admission=True
    )
    assert "--authorization-mode=RBAC" in args
    assert "--secure-port=2" in args
    assert f"--token-auth-file={pki.token_file}" in args
    assert f"--service-account-signing-key-file={pki.sa_key}" in args
    assert not any(a.startswith("--disable-admission-plugins") for a in args)
    no_sa = et.apiserver_args(
        etcd_url="http://127.0.0.1:1", port=2, cert_dir=tmp_path, pki=pki, service_account_admission=False
    )
    assert "--disable-admission-plugins=ServiceAccount" in no_sa

    kcm = et.controller_manager_args(kubeconfig=tmp_path / "kc", port=3, cert_dir=tmp_path, pki=pki)
    assert "--leader-elect=false" in kcm
    assert f"--root-ca-file={pki.ca_cert}" in kcm
    assert "--bind-address=127.0.0.1" in kcm
    assert "--controllers=*" in kcm
    only = et.controller_manager_args(
        kubeconfig=tmp_path / "kc", port=3, cert_dir=tmp_path, pki=pki, controllers=("*", "-job-controller")
    )
    assert "--controllers=*,-job-controller" in only

    etcd = et.etcd_args(tmp_path / "data", 11, 12)
    assert "--listen-client-urls=http://127.0.0.1:11" in etcd
    assert "--initial-cluster=envtest=http://127.0.0.1:12" in etcd


def test_kubectl_error_message_includes_stderr() -> None:
    err = et.KubectlError(1, ["kubectl", "get"], "", "Error from server (NotFound): nope")
    assert "NotFound" in str(err)


def test_control_plane_missing_binaries_fails_clearly(tmp_path: Path) -> None:
    plane = et.ControlPlane(tools_dir=tmp_path, environ={"HOME": str(tmp_path), "PATH": "/usr/bin"})
    with pytest.raises(et.EnvtestError, match="make tools"):
        plane.start()
    assert not plane.started


def test_existing_cluster_mode_reads_kubeconfig(tmp_path: Path) -> None:
    kc = tmp_path / "config"
    kc.write_text(et.render_kubeconfig("https://10.1.2.3:6443", b"PEM", "t"))
    plane = et.ControlPlane(environ={"TEST_USE_EXISTING_CLUSTER": "1", "KUBECONFIG": str(kc), "PATH": ""})
    with plane:
        assert plane.server == "https://10.1.2.3:6443"
        assert plane.kubeconfig == kc
        assert plane.env()["KUBECONFIG"] == str(kc)
        with pytest.raises(et.EnvtestError, match="EXISTING"):
            plane.restart_apiserver()


# ---- cognito_standin -----------------------------------------------------------------------------


def test_region_and_issuer() -> None:
    assert cs.region_of_pool("eu-west-2_AbC123") == "eu-west-2"
    assert cs.region_of_pool("nounderscore") == cs.DEFAULT_REGION
    assert cs.issuer_for("eu-west-2", "eu-west-2_X") == "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_X"


def test_hosted_ui_base() -> None:
    assert cs.hosted_ui_base("om", "us-east-1") == "https://om.auth.us-east-1.amazoncognito.com"
    assert cs.hosted_ui_base("auth.example.com", "us-east-1") == "https://auth.example.com"


MOTO_DOC = {
    "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_P",
    "jwks_uri": "http://127.0.0.1:5000/us-east-1_P/.well-known/jwks.json",
    "response_types_supported": ["code", "token"],
    "scopes_supported": ["openid"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
}


def test_discovery_document_with_domain() -> None:
    doc = cs.cognito_discovery_document(MOTO_DOC, "us-east-1_P", "us-east-1", "om")
    assert doc["jwks_uri"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_P/.well-known/jwks.json"
    assert doc["token_endpoint"] == "https://om.auth.us-east-1.amazoncognito.com/oauth2/token"
    assert doc["authorization_endpoint"] == "https://om.auth.us-east-1.amazoncognito.com/oauth2/authorize"
    assert doc["userinfo_endpoint"] == "https://om.auth.us-east-1.amazoncognito.com/oauth2/userInfo"
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert doc["scopes_supported"] == ["openid"]  # moto's own fields are kept


def test_discovery_document_without_domain() -> None:
    upstream = dict(MOTO_DOC, token_endpoint="https://stale/oauth2/token")
    doc = cs.cognito_discovery_document(upstream, "us-east-1_P", "us-east-1", None)
    assert "token_endpoint" not in doc
    assert "authorization_endpoint" not in doc
    assert "userinfo_endpoint" not in doc
    assert doc["issuer"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_P"


def test_secret_hash_matches_aws_definition() -> None:
    expected = base64.b64encode(hmac.new(b"s3cret", b"aliceclient", hashlib.sha256).digest()).decode()
    assert cs.secret_hash("alice", "client", "s3cret") == expected


def test_child_preexec_only_from_the_main_thread() -> None:
    import sys
    import threading

    from_thread: list[object] = []
    t = threading.Thread(target=lambda: from_thread.append(et.child_preexec()))
    t.start()
    t.join()
    assert from_thread == [None]  # PDEATHSIG would fire when that short-lived thread exits
    if sys.platform == "linux":
        assert et.child_preexec() is et.die_with_parent
