"""gitops/argocd/health.lua, run the way Argo CD runs a resource health customization.

Argo CD embeds gopher-lua (Lua 5.1): the script sees the live object as the global `obj` (decoded from
JSON: objects and arrays become tables, arrays 1-indexed) and returns a table {status, message}. Only the
base, string, table and math libraries are open. Every case of health_test.yaml (Argo's own test format)
runs here through lupa's Lua 5.1.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

lua51 = pytest.importorskip("lupa.lua51", reason="lupa (Lua in Python) is a test dependency")

ROOT = Path(__file__).resolve().parents[2]
ARGO_DIR = ROOT / "gitops" / "argocd"
SCRIPT = (ARGO_DIR / "health.lua").read_text()
CASES: list[dict[str, Any]] = yaml.safe_load((ARGO_DIR / "health_test.yaml").read_text())["tests"]
ARGO_STATUSES = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}
SANDBOXED = ("io", "os", "debug", "package", "require", "dofile", "loadfile", "load", "loadstring", "module")


def run_health(obj: dict[str, Any]) -> dict[str, Any]:
    lua = lua51.LuaRuntime(unpack_returned_tuples=True, register_eval=False, register_builtins=False)
    g = lua.globals()
    for name in SANDBOXED:
        g[name] = None
    g.obj = lua.table_from(obj, recursive=True)
    # Argo wraps the script as a function body: a top-level `return hs` is the result.
    result = lua.execute(SCRIPT)
    assert result is not None, "the script must return a table"
    return {str(k): v for k, v in result.items()}


def test_health_test_yaml_is_argo_format() -> None:
    assert CASES, "health_test.yaml has no tests"
    for case in CASES:
        assert set(case) == {"healthStatus", "inputPath"}, case
        assert set(case["healthStatus"]) <= {"status", "message"}, case
        assert case["healthStatus"]["status"] in ARGO_STATUSES
        assert (ARGO_DIR / case["inputPath"]).is_file(), case["inputPath"]


def test_every_testdata_file_is_used() -> None:
    used = {Path(c["inputPath"]).name for c in CASES}
    present = {p.name for p in (ARGO_DIR / "testdata").glob("*.yaml")}
    assert present == used


@pytest.mark.parametrize("case", CASES, ids=[Path(c["inputPath"]).stem for c in CASES])
def test_health_case(case: dict[str, Any]) -> None:
    obj = yaml.safe_load((ARGO_DIR / case["inputPath"]).read_text())
    assert obj["apiVersion"] == "cognito-sso.dev/v1alpha1"
    assert obj["kind"] == "CognitoSSO"
    got = run_health(obj)
    assert got.get("status") == case["healthStatus"]["status"]
    if "message" in case["healthStatus"]:
        assert got.get("message") == case["healthStatus"]["message"]


def test_all_states_of_the_status_contract_are_covered() -> None:
    statuses = {c["healthStatus"]["status"] for c in CASES}
    assert statuses == {"Healthy", "Progressing", "Degraded"}
    reasons: set[str] = set()
    for case in CASES:
        obj = yaml.safe_load((ARGO_DIR / case["inputPath"]).read_text())
        for cond in (obj.get("status") or {}).get("conditions") or []:
            if cond["type"] == "Stalled" and cond["status"] == "True":
                reasons.add(cond["reason"])
    assert {"InvalidSpec", "SecretNotFound", "DiscoveryHTTPError"} <= reasons


def test_script_is_lua51_only() -> None:
    """gopher-lua is Lua 5.1: keep 5.2+ syntax out (goto, //, bit operators, integer formats)."""
    code = re.sub(r"--[^\n]*", "", SCRIPT)
    for token in ("goto ", "//", "~ ", "<<", ">>", "utf8.", "math.type", "string.pack"):
        assert token not in code, token


def test_numbers_are_formatted_like_gopher_lua() -> None:
    """Argo decodes JSON numbers as floats; the message must still read 'generation 3', not '3.0'."""
    obj = yaml.safe_load((ARGO_DIR / "testdata" / "stale-generation.yaml").read_text())
    obj["metadata"]["generation"] = 3.0
    obj["status"]["observedGeneration"] = 2.0
    got = run_health(obj)
    assert got["message"] == "Waiting for the operator to observe generation 3 (observed 2)"


def test_missing_metadata_generation_is_tolerated() -> None:
    obj = yaml.safe_load((ARGO_DIR / "testdata" / "ready.yaml").read_text())
    del obj["metadata"]["generation"]
    assert run_health(obj)["status"] == "Healthy"


def test_empty_conditions_is_progressing() -> None:
    obj = yaml.safe_load((ARGO_DIR / "testdata" / "ready.yaml").read_text())
    obj["status"]["conditions"] = []
    assert run_health(obj)["status"] == "Progressing"


def test_docs_embed_the_same_script() -> None:
    """docs/argocd.md's argocd-cm snippet must carry health.lua verbatim (indented under the key)."""
    doc = (ROOT / "docs" / "argocd.md").read_text()
    key = "resource.customizations.health.cognito-sso.dev_CognitoSSO: |\n"
    assert key in doc
    block = doc.split(key, 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    body = "\n".join(line[indent:] for line in lines).strip()
    assert body == SCRIPT.strip()
