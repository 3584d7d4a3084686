"""The generated CRD: no drift from spec.py, described fields, rules wired, every rule with a Python twin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cognito_sso_operator import crd
from cognito_sso_operator.spec import OIDC_RULES, ROOT_RULES, SPEC_RULES, TARGET_RULES, Rule
from cognito_sso_operator.validate import ROOT_CHECKS, RULE_CHECKS
from tests.cases import bad_cases, good_cases

REPO = Path(__file__).resolve().parents[2]
ALL_RULES: list[Rule] = [*SPEC_RULES, *OIDC_RULES, *TARGET_RULES, *ROOT_RULES]


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = crd.build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def _walk(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, child in node.get("properties", {}).items():
        yield f"{path}.{name}", child
        yield from _walk(child, f"{path}.{name}")
    if "items" in node:
        yield f"{path}[]", node["items"]
        yield from _walk(node["items"], f"{path}[]")


def test_committed_crd_matches_the_models() -> None:
    committed = (REPO / crd.CRD_FILE).read_text(encoding="utf-8")
    assert committed == crd.render_crd_yaml(), (
        "crds/ is stale: run `.venv/bin/cognito-sso-operator crd > crds/cognitossos.cognito-sso.dev.yaml`"
    )


def test_every_field_has_a_description() -> None:
    root = _schema()
    undescribed = [
        path
        for top in ("spec", "status")
        for path, node in _walk(root["properties"][top], top)
        if not path.endswith("[]") and not node.get("description")
    ]
    assert undescribed == []
    assert root["properties"]["spec"]["description"]
    assert root["properties"]["status"]["description"]


def test_schema_is_structural() -> None:
    root = _schema()
    # The apiserver forbids anything but `type` on metadata (name/generateName are implicit).
    assert root["properties"]["metadata"] == {"type": "object"}
    text = yaml.safe_dump(root)
    for forbidden in ("$ref", "anyOf", "allOf", "oneOf", "additionalProperties"):
        assert forbidden not in text
    for path, node in _walk(root, ""):
        assert "type" in node, path


def test_strings_and_lists_are_bounded() -> None:
    """CEL cost estimation needs maxLength / maxItems on everything a rule can touch."""
    unbounded = [
        path
        for path, node in _walk(_schema()["properties"]["spec"], "spec")
        if (node.get("type") == "string" and "maxLength" not in node and "enum" not in node)
        or (node.get("type") == "array" and "maxItems" not in node)
    ]
    assert unbounded == []


def test_rules_are_wired_where_they_belong() -> None:
    root = _schema()
    spec = root["properties"]["spec"]

    def entries(rules: list[Rule], base: str) -> list[dict[str, Any]]:
        out = []
        for r in rules:
            entry: dict[str, Any] = {"rule": r.cel, "message": r.message}
            if r.field_path.startswith(base + "."):
                entry["fieldPath"] = r.field_path[len(base) :]
            out.append(entry)
        return out

    assert root["x-kubernetes-validations"] == entries(ROOT_RULES, "")
    assert spec["x-kubernetes-validations"] == entries(SPEC_RULES, "spec")
    assert spec["properties"]["oidc"]["x-kubernetes-validations"] == entries(OIDC_RULES, "spec.oidc")
    assert spec["properties"]["target"]["x-kubernetes-validations"] == entries(TARGET_RULES, "spec.target")


def test_rule_ids_are_unique_and_messages_name_their_field() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    for r in ALL_RULES:
        assert r.field_path, r.id
        assert r.message.startswith(r.field_path), r.id


def test_every_rule_has_a_python_twin() -> None:
    """Adding a Rule (CEL) without its Python check in validate.RULE_CHECKS fails here."""
    assert set(RULE_CHECKS) == {r.id for r in (*SPEC_RULES, *OIDC_RULES, *TARGET_RULES)}
    assert set(ROOT_CHECKS) == {r.id for r in ROOT_RULES}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_cel_string_literals_have_no_bare_regex_escapes(rule: Rule) -> None:
    r"""CEL rejects '\.' in a string literal; regexes must be written '\\.' (see spec._cel_str)."""
    for literal in re.findall(r"'((?:[^'\\]|\\.)*)'", rule.cel):
        assert re.search(r"\\[^\\'\"]", literal.replace("\\\\", "")) is None, literal


def test_rule_fields_exist_in_the_schema() -> None:
    spec = _schema()["properties"]["spec"]
    for r in (*SPEC_RULES, *OIDC_RULES, *TARGET_RULES):
        node = spec
        for part in r.field_path.split(".")[1:]:
            node = node["properties"][part]


def _go_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """`pattern` with Go (RE2) semantics for a final `$`: end of text, not "before a final newline"."""
    if isinstance(instance, str):
        if pattern.endswith("$") and not pattern.endswith("\\$"):
            pattern = pattern[:-1] + r"\Z"
        if re.search(pattern, instance) is None:
            yield jsonschema.ValidationError(f"does not match {pattern!r}")


OpenAPIValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _go_pattern})


@pytest.mark.parametrize("case", good_cases(), ids=lambda c: c.name)
def test_good_manifests_fit_the_openapi_schema(case: Any) -> None:
    """An offline approximation of the apiserver's OpenAPI check (CEL rules are not evaluated here)."""
    assert list(OpenAPIValidator(_schema()).iter_errors(case.manifest)) == []


def test_the_schema_alone_already_rejects_the_field_level_cases() -> None:
    """Cases whose admission message is the apiserver's own wording fail the OpenAPI schema itself."""
    validator = OpenAPIValidator(_schema())
    for case in bad_cases():
        if case.admission and (" in body " in case.expect_admission or "Unsupported value" in case.expect_admission):
            assert list(validator.iter_errors(case.manifest)), case.name
