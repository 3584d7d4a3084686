"""The bad/good manifest tables against the real kube-apiserver (server-side dry run, strict fields).

For every row of tests/cases/bad_manifests.yaml:
* admission: true  -> the apiserver rejects it (OpenAPI schema or CEL) and its answer contains the row's
  expect_admission text (the Rule's own message for CEL rows);
* admission: false -> the apiserver admits it (only the operator's validator catches it), so the
  table's admission column cannot drift from reality.
Every good manifest is admitted. Unit tests (tests/unit/test_validate.py) run the same table through
`validate`.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cognito_sso_operator.envtest import ControlPlane
from cognito_sso_operator.spec import OIDC_RULES, SPEC_RULES, TARGET_RULES
from cognito_sso_operator.validate import parse_spec, validate_manifest, validate_static
from tests.cases import BadCase, GoodCase, bad_cases, base_manifest, good_cases, merge_patch

NAMESPACE = "default"  # dry runs persist nothing, so every row can use the same namespace and name


@pytest.fixture(scope="module")
def plane(control_plane: ControlPlane, crd: None) -> ControlPlane:
    """The control plane with the CRD installed and Established (the session `crd` fixture)."""
    return control_plane


def dry_run(
    plane: ControlPlane, manifest: dict[str, Any], namespace: str = NAMESPACE
) -> subprocess.CompletedProcess[str]:
    return plane.kubectl(
        "apply",
        "--dry-run=server",
        "--validate=strict",
        "-n",
        namespace,
        "-f",
        "-",
        input=yaml.safe_dump(manifest),
        check=False,
    )


@pytest.mark.parametrize("case", bad_cases(), ids=lambda c: c.name)
def test_bad_manifest_at_admission(plane: ControlPlane, case: BadCase) -> None:
    proc = dry_run(plane, case.manifest)
    answer = proc.stdout + proc.stderr
    if case.admission:
        assert proc.returncode != 0, f"the apiserver admitted {case.name}: {answer}"
        assert case.expect_admission in answer
    else:
        assert proc.returncode == 0, f"the apiserver rejected {case.name} (set admission: true?): {answer}"
        assert "(server dry run)" in answer


@pytest.mark.parametrize("case", good_cases(), ids=lambda c: c.name)
def test_good_manifest_at_admission(plane: ControlPlane, case: GoodCase) -> None:
    proc = dry_run(plane, case.manifest)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stored_object_still_validates(plane: ControlPlane, namespace: str) -> None:
    """What the operator reads back (server-set metadata, no pruning surprises) passes `validate`."""
    manifest = merge_patch(base_manifest(), {"metadata": {"name": "stored", "namespace": namespace}})
    plane.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(manifest))
    stored = yaml.safe_load(plane.kubectl("get", "-n", namespace, "cognitosso", "stored", "-o", "yaml").stdout)
    assert stored["spec"] == manifest["spec"]
    assert validate_manifest(stored) == []


def test_update_is_validated_too(plane: ControlPlane, namespace: str) -> None:
    """CEL rules also guard updates: a stored object cannot be patched into a bad one."""
    manifest = merge_patch(base_manifest(), {"metadata": {"name": "updated", "namespace": namespace}})
    plane.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(manifest))
    proc = plane.kubectl(
        "patch",
        "-n",
        namespace,
        "cognitosso",
        "updated",
        "--type=merge",
        "-p",
        '{"spec": {"oidc": {"prompt": "consent"}}}',
        check=False,
    )
    assert proc.returncode != 0
    assert "OpenMetadata rejects 'none' for every provider and 'consent' for Cognito" in proc.stderr


# ----------------------------------------------------------------------------------------------------
# differential: the CEL rules and their Python twins agree on tricky values
# ----------------------------------------------------------------------------------------------------

TWIN_RULES = [*SPEC_RULES, *OIDC_RULES, *TARGET_RULES]
TRICKY_URLS = [
    "https://om.example.com",
    "https://om.example.com/",
    "https://om.example.com:443",
    "https://om.example.com:",
    "https://om.example.com:abc",
    "https://OM.example.com/callback",
    "HTTPS://om.example.com/callback",
    "https://om.example.com/callback",
    "https://om.example.com/base/callback?x=1",
    "https://om.example.com/callback#frag",
    "https://om.example.com#frag/x",
    "https://user:pw@om.example.com/callback",
    "https://a b@om.example.com",
    "https://om example.com",
    "https://%41.example.com",
    "https://%C3%A9.example.com",
    "https://om.example.com/%zz",
    "https://om.example.com/%41",
    "https://om.exa{mple.com",
    "https://ömer.example.com/callback",
    "https:om.example.com",
    "https:/om.example.com",
    "https:///callback",
    "https://",
    "om.example.com",
    "/callback",
    "ftp://om.example.com",
    "http://om.example.com",
    "http://localhost:8585",
    "http://localhost:8585/callback",
    "http://LOCALHOST",
    "http://localhost.example.com",
    "http://127.0.0.1",
    "http://127.0.0.1:8585/callback",
    "http://[::1]:8585/callback",
    "http://[::1]",
    "https://[::1",
    "http://[fe80::1%25en0]:8585",
    "https://om.example.com/@x",
    "https://a@b@om.example.com",
]
TRICKY_AUTHORITIES = [
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF",
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF/",
    "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_ABC123DEF",
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_",
    "https://cognito-idpXus-east-1.amazonaws.com/us-east-1_ABC",
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC?x",
    "HTTPS://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC",
    "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_ABC",
]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    server=st.sampled_from(TRICKY_URLS),
    callback=st.one_of(st.none(), st.sampled_from(TRICKY_URLS)),
    authority=st.sampled_from(TRICKY_AUTHORITIES),
    tenant=st.sampled_from([None, "", "us-east-1_ABC123DEF", "ABC123DEF", "us-east-1_ABC"]),
    scopes=st.lists(
        st.sampled_from(["openid", "email", "groups", "offline_access", "a/b", "/b", "a/", "profile"]),
        min_size=1,
        max_size=4,
    ),
    mapping=st.lists(
        st.sampled_from(["username:sub", "email:email", "name:name", "username:cognito:username", "email:"]),
        max_size=3,
    ),
    admins=st.lists(st.sampled_from(["a@company.com", "b@other.io", "c", "@company.com", "d@COMPANY.com"]), min_size=1),
    enforce=st.booleans(),
)
def test_cel_and_python_twins_agree(
    plane: ControlPlane,
    server: str,
    callback: str | None,
    authority: str,
    tenant: str | None,
    scopes: list[str],
    mapping: list[str],
    admins: list[str],
    enforce: bool,
) -> None:
    manifest = merge_patch(
        base_manifest(),
        {
            "spec": {
                "authority": authority,
                "publicKeyUrls": None,
                "jwtPrincipalClaimsMapping": mapping,
                "oidc": {
                    "serverUrl": server,
                    "callbackUrl": callback,
                    "tenant": tenant,
                    "scopes": scopes,
                    "discoveryUri": None,
                },
                "authorizer": {"adminPrincipals": admins, "enforcePrincipalDomain": enforce},
            }
        },
    )
    spec, problems = parse_spec(manifest["spec"])
    assert spec is not None, problems
    python = {p.message for p in validate_static(spec)} & {r.message for r in TWIN_RULES}
    proc = dry_run(plane, manifest)
    answer = proc.stdout + proc.stderr
    assert "some validation rules were not checked" not in answer
    cel = {r.message for r in TWIN_RULES if r.message in answer}
    assert (proc.returncode == 0) == (not cel), answer
    assert cel == python, answer
