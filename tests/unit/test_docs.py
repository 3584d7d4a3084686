"""The operator docs stay true to the code: every condition reason the operator can set is explained in
docs/troubleshooting.md, and relative links between docs resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "operator" / "cognito_sso_operator"
DOCS = ROOT / "docs"
MY_DOCS = ["troubleshooting.md", "security.md", "upgrading.md", "install.md", "argocd.md"]

# How reasons appear in the source: outcome.stall/progress("X", ...), outcome.set(TYPE, STATUS, "X", ...),
# Cond(TYPE, STATUS, "X"), problem = ("X", ...), Problem(field, "X", ...), RuleCheck("X", ...),
# ROOT_CHECKS ("X", check), and the discovery Reason enum.
_PATTERNS = [
    r'\.(?:stall|progress)\(\s*"([A-Z][A-Za-z]+)"',
    r'\.set\(\s*[A-Z_]+,\s*[A-Z_]+,\s*"([A-Z][A-Za-z]+)"',
    r'Cond\(\s*[A-Za-z_]+,\s*[A-Za-z_]+,\s*"([A-Z][A-Za-z]+)"',
    r'problem = \(\s*"([A-Z][A-Za-z]+)"',
    r'Problem\(\s*[^,()]+,\s*"([A-Z][A-Za-z]+)"',
    r'RuleCheck\(\s*"([A-Z][A-Za-z]+)"',
    r'\(\s*"([A-Z][A-Za-z]+)",\s*_root',
    r'"RolloutComplete" if complete else\s*"([A-Z][A-Za-z]+)"',
]


def operator_reasons() -> set[str]:
    found: set[str] = set()
    for path in PKG.glob("*.py"):
        if path.name in {"cognito_standin.py", "envtest.py", "kstatus.py"}:
            continue
        text = path.read_text()
        for pattern in _PATTERNS:
            found.update(re.findall(pattern, text))
    discovery = (PKG / "discovery.py").read_text()
    enum = re.search(r"class Reason\(StrEnum\):(.*?)\n\n\n", discovery, re.S)
    assert enum, "discovery.Reason not found"
    found.update(re.findall(r'= "([A-Z][A-Za-z]+)"', enum.group(1)))
    return found


def test_reason_scan_finds_the_known_ones() -> None:
    reasons = operator_reasons()
    assert {"Reconciled", "InvalidSpec", "SecretNotFound", "TargetNotFound", "StoredConfigDiffers",
            "IssuerMismatch", "InvalidClaimsMapping"} <= reasons


def test_every_reason_is_documented() -> None:
    doc = (DOCS / "troubleshooting.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Za-z]+)`", doc))
    missing = sorted(operator_reasons() - documented)
    assert not missing, f"docs/troubleshooting.md does not explain these condition reasons: {missing}"


@pytest.mark.parametrize("name", MY_DOCS)
def test_relative_links_resolve(name: str) -> None:
    path = DOCS / name
    text = path.read_text()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (path.parent / target).exists(), f"{name}: broken link {target}"


def test_reset_command_is_exact() -> None:
    doc = (DOCS / "troubleshooting.md").read_text()
    assert "./bootstrap/openmetadata-ops.sh remove-security-config --force" in doc
    assert "storedConfig: Reset" in doc


def test_crd_upgrade_is_documented() -> None:
    for name in ("upgrading.md", "install.md"):
        assert "kubectl apply --server-side" in (DOCS / name).read_text(), name
