"""Generate the CognitoSSO CRD from the pydantic models (as controller-gen does for Go types).

`crds/` holds this module's output; a test fails when the two differ.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from pydantic import BaseModel

from . import spec
from .spec import Rule

CRD_NAME = f"{spec.PLURAL}.{spec.GROUP}"
CRD_FILE = f"crds/{CRD_NAME}.yaml"

_DROP = {"title", "default", "additionalProperties", "$defs"}


def _rules(rules: list[Rule], base: str) -> list[dict[str, Any]]:
    out = []
    for r in rules:
        entry: dict[str, Any] = {"rule": r.cel, "message": r.message}
        if r.field_path.startswith(base + "."):
            entry["fieldPath"] = r.field_path[len(base):]
        out.append(entry)
    return out


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Turn pydantic's JSON schema into a structural OpenAPI v3 schema (no $ref, no anyOf-null)."""
    if isinstance(node, list):
        return [_inline(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = copy.deepcopy(defs[node.pop("$ref").rsplit("/", 1)[-1]])
        # The field's own description wins over the class docstring.
        if "description" in node:
            target["description"] = node["description"]
        target.update({k: v for k, v in node.items() if k != "description"})
        node = target
    if "allOf" in node and len(node["allOf"]) == 1:
        inner = node.pop("allOf")[0]
        node = {**_inline(inner, defs), **node}
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        if len(options) != 1:
            raise ValueError(f"cannot express union in a structural schema: {options}")
        node = {**_inline(options[0], defs), **node}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "default" and value is not None and not isinstance(value, (list, dict)):
            out[key] = value  # scalar defaults show in `kubectl get`/`explain`; lists and objects stay implicit
            continue
        if key in _DROP:
            continue
        if key == "properties":
            out[key] = {k: _inline(v, defs) for k, v in value.items()}
        elif key == "items":
            out[key] = _inline(value, defs)
        else:
            out[key] = value
    if out.get("type") == "object" and "description" not in out:
        out["description"] = ""
    return out


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs = raw.get("$defs", {})
    schema = _inline(raw, defs)
    if not isinstance(schema, dict):
        raise TypeError("schema must be an object")
    return schema


def _check_described(node: dict[str, Any], path: str) -> None:
    for name, child in node.get("properties", {}).items():
        if not child.get("description"):
            raise ValueError(f"{path}.{name} has no description")
        _check_described(child, f"{path}.{name}")
        if "items" in child:
            _check_described(child["items"], f"{path}.{name}[]")


def spec_schema() -> dict[str, Any]:
    schema = _model_schema(spec.CognitoSSOSpec)
    schema["x-kubernetes-validations"] = _rules(spec.SPEC_RULES, "spec")
    props = schema["properties"]
    props["oidc"]["x-kubernetes-validations"] = _rules(spec.OIDC_RULES, "spec.oidc")
    props["target"]["x-kubernetes-validations"] = _rules(spec.TARGET_RULES, "spec.target")
    _check_described(schema, "spec")
    return schema


def status_schema() -> dict[str, Any]:
    schema = _model_schema(spec.CognitoSSOStatus)
    conditions = schema["properties"]["conditions"]
    conditions["x-kubernetes-list-type"] = "map"
    conditions["x-kubernetes-list-map-keys"] = ["type"]
    _check_described(schema, "status")
    return schema


def _ready(field: str) -> str:
    return f'.status.conditions[?(@.type=="Ready")].{field}'


PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Ready", "type": "string", "jsonPath": _ready("status")},
    {"name": "Reason", "type": "string", "jsonPath": _ready("reason")},
    {"name": "Authority", "type": "string", "jsonPath": ".spec.authority"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    {"name": "Client", "type": "string", "jsonPath": ".spec.clientType", "priority": 1},
    {"name": "Target", "type": "string", "jsonPath": ".status.target", "priority": 1},
    {"name": "Hash", "type": "string", "jsonPath": ".status.configHash", "priority": 1},
    {"name": "Restarted", "type": "date", "jsonPath": ".status.lastRestartTime", "priority": 1},
    {"name": "Message", "type": "string", "jsonPath": _ready("message"), "priority": 1},
]


def build_crd() -> dict[str, Any]:
    root: dict[str, Any] = {
        "type": "object",
        "description": "CognitoSSO manages AWS Cognito single sign-on for one OpenMetadata server: it "
        "validates the settings against the user pool, renders OpenMetadata's env ConfigMap, credentials "
        "Secret and Helm values, and restarts the server only when the rendered config changes.",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string", "description": "APIVersion of this object."},
            "kind": {"type": "string", "description": "Kind of this object."},
            # The apiserver forbids anything but type on metadata ("metadata is implicitly specified").
            "metadata": {"type": "object"},
            "spec": spec_schema(),
            "status": status_schema(),
        },
        "x-kubernetes-validations": _rules(spec.ROOT_RULES, ""),
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": CRD_NAME,
            "annotations": {"cognito-sso.dev/generated-by": "cognito-sso-operator crd (from spec.py)"},
        },
        "spec": {
            "group": spec.GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": spec.KIND,
                "listKind": f"{spec.KIND}List",
                "plural": spec.PLURAL,
                "singular": spec.SINGULAR,
                "shortNames": spec.SHORT_NAMES,
                "categories": ["all", "sso"],
            },
            "versions": [
                {
                    "name": spec.VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": PRINTER_COLUMNS,
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


def render_crd_yaml() -> str:
    header = "# Generated by `cognito-sso-operator crd` from operator/cognito_sso_operator/spec.py. Do not edit.\n"
    return header + yaml.safe_dump(build_crd(), sort_keys=False, width=120)
