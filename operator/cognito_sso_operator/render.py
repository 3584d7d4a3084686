"""Render a CognitoSSO spec into what OpenMetadata reads: env keys, credentials and Helm values.

Everything here is a pure function of its arguments except `render_files_command` (the offline
`render` CLI), which reads files and prints. Reference: the operator's OpenMetadata SSO notes
(field table §1/§1.1, chart wiring §2, encoding §3, minimal profile §7).

Encoding (§3): every ConfigMap value is JSON, the way the official chart encodes its own Secrets:
scalars `"value"` (booleans and integers too: `"true"`, `"3600"`), lists `["a","b"]` without spaces,
and `OIDC_CUSTOM_PARAMS` a raw JSON object. OpenMetadata substitutes env values textually into its
YAML config *before* parsing, so the JSON quotes become YAML string quotes; `json.dumps` escapes
every control and non-ASCII character (ASCII-only output survives any container locale, and the
escapes are valid YAML double-quoted escapes), so no value can break out of its line.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import yaml
from pydantic import ValidationError

from .settings import CONFIG_HASH_ANNOTATION, OWNER_LABEL
from .spec import API_VERSION, KIND, CognitoSSOSpec, ValuesKind

PROVIDER = "aws-cognito"  # Java AuthProvider.AWS_COGNITO; the chart schema's enum value
OIDC_CLIENT_ID_KEY = "OIDC_CLIENT_ID"
OIDC_CLIENT_SECRET_KEY = "OIDC_CLIENT_SECRET"
SECRET_ENV_KEYS = frozenset({OIDC_CLIENT_ID_KEY, OIDC_CLIENT_SECRET_KEY})
REDACTED = "<redacted>"

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY = "cognito-sso-operator"
PART_OF = "openmetadata"
HASH_LENGTH = 32
HASH_VERSION = 1  # bump when the hashed document's shape changes on purpose

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_ENV_VALUE_OK = re.compile(r"^[\x20-\x7e]*$")  # printable ASCII: no newline, no control char


class RenderError(ValueError):
    """The spec and secret cannot be rendered into a safe configuration."""


# Keys are grouped by where OpenMetadata/the chart put them (reference §2.2).
AUTHENTICATION_KEYS = (
    "AUTHENTICATION_PROVIDER",
    "CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME",
    "AUTHENTICATION_CLIENT_TYPE",
    "AUTHENTICATION_AUTHORITY",
    "AUTHENTICATION_PUBLIC_KEYS",
    "AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM",
    "AUTHENTICATION_CLIENT_ID",
    "AUTHENTICATION_RESPONSE_TYPE",
    "AUTHENTICATION_CALLBACK_URL",
    "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS",
    "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING",
)
OIDC_KEYS = (
    "OIDC_TYPE",
    "OIDC_SCOPE",
    "OIDC_DISCOVERY_URI",
    "OIDC_USE_NONCE",
    "OIDC_PREFERRED_JWS",
    "OIDC_RESPONSE_TYPE",
    "OIDC_DISABLE_PKCE",
    "OIDC_MAX_CLOCK_SKEW",
    "OIDC_CLIENT_AUTH_METHOD",
    "OIDC_OM_REFRESH_TOKEN_VALIDITY",
    "OIDC_TENANT",
    "OIDC_SERVER_URL",
    "OIDC_CALLBACK",
    "OIDC_MAX_AGE",
    "OIDC_PROMPT_TYPE",
    "OIDC_SESSION_EXPIRY",
    "OIDC_CUSTOM_PARAMS",
)
AUTHORIZER_KEYS = (
    "AUTHORIZER_ADMIN_PRINCIPALS",
    "AUTHORIZER_PRINCIPAL_DOMAIN",
    "AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN",
    "AUTHORIZER_ENABLE_SECURE_SOCKET",
)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderedNames:
    """Names of the objects rendered for one CognitoSSO (all in its namespace)."""

    config_map: str
    credentials_secret: str | None  # None for Public clients (nothing secret to store)
    helm_values: tuple[str, str, str] | None  # (kind, name, key) when spec.target.helmValues is set
    workload_kind: str
    workload_name: str
    owner: str = ""  # the CognitoSSO's own name (for the owner label)


@dataclass(frozen=True)
class Rendered:
    env: dict[str, str]  # ConfigMap data: non-secret keys, JSON-encoded (reference §3)
    credentials: dict[str, str]  # raw OIDC_CLIENT_ID / OIDC_CLIENT_SECRET; {} for Public clients
    helm_values: dict[str, Any]  # values for the official chart 1.13.1 (native YAML types)
    config_hash: str  # sha256 hex (first 32) of env + credentials + helm values + names/workload
    names: RenderedNames


# ---------------------------------------------------------------------------------------------
# Encoding (reference §3)
# ---------------------------------------------------------------------------------------------
def encode_string(value: str) -> str:
    return json.dumps(value)


def encode_bool(value: bool) -> str:
    return json.dumps("true" if value else "false")


def encode_int(value: int | None) -> str:
    """`"3600"`; `""` for unset (the server treats a blank value as "use the library default")."""
    return json.dumps("" if value is None else str(int(value)))


def encode_list(values: Sequence[str]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


def encode_object(value: Mapping[str, str]) -> str:
    return json.dumps(dict(value), separators=(",", ":"), sort_keys=True)


def check_env_value(key: str, value: str) -> None:
    """Every ConfigMap value is one line of printable ASCII (JSON escaping guarantees it)."""
    if not _ENV_VALUE_OK.match(value):
        raise RenderError(f"rendered value of {key} contains a control or non-ASCII character")


# ---------------------------------------------------------------------------------------------
# Render
# ---------------------------------------------------------------------------------------------
def rendered_names(name: str, spec: CognitoSSOSpec) -> RenderedNames:
    t = spec.target
    hv = t.helm_values
    return RenderedNames(
        config_map=t.config_map_name or f"{name}-sso-env",
        credentials_secret=(t.credentials_secret_name or f"{name}-sso-credentials")
        if spec.is_confidential
        else None,
        helm_values=(ValuesKind(hv.kind).value, hv.name, hv.key) if hv is not None else None,
        workload_kind=t.kind.value,
        workload_name=t.workload_name,
        owner=name,
    )


def render_env(spec: CognitoSSOSpec) -> dict[str, str]:
    """The ConfigMap data. Secret-backed keys (OIDC_CLIENT_ID/SECRET) are never part of it."""
    o = spec.oidc
    a = spec.authorizer
    env: dict[str, str] = {
        "AUTHENTICATION_PROVIDER": encode_string(PROVIDER),
        # Schema-required (`providerName`) even though only a display label: always emitted.
        "CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME": encode_string(spec.provider_name),
        "AUTHENTICATION_CLIENT_TYPE": encode_string(spec.client_type.value.lower()),
        "AUTHENTICATION_AUTHORITY": encode_string(spec.authority),
        "AUTHENTICATION_PUBLIC_KEYS": encode_list(spec.effective_public_key_urls),
        "AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM": encode_string(spec.token_validation_algorithm.value),
        # The app-client id is public in OAuth terms; the Secret-backed OIDC_CLIENT_ID carries it too.
        "AUTHENTICATION_CLIENT_ID": encode_string(o.client_id),
        "AUTHENTICATION_RESPONSE_TYPE": encode_string(o.response_type.value),
        "AUTHENTICATION_CALLBACK_URL": encode_string(spec.callback_url),
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS": encode_list(spec.jwt_principal_claims),
        # Emitted even when empty (`[]`, the server default): our ConfigMap is the last envFrom
        # source, so an explicit value also overrides a stale mapping from the chart's Secret.
        "AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING": encode_list(spec.jwt_principal_claims_mapping),
    }
    if spec.is_confidential:
        # The chart renders OIDC_* only for confidential clients (reference §2.2); a public client
        # runs the SPA flow and OpenMetadata ignores oidcConfiguration, so none are emitted.
        env.update(
            {
                "OIDC_TYPE": encode_string(PROVIDER),
                "OIDC_SCOPE": encode_string(" ".join(o.scopes)),
                "OIDC_DISCOVERY_URI": encode_string(spec.discovery_uri),
                "OIDC_USE_NONCE": encode_bool(o.use_nonce),
                "OIDC_PREFERRED_JWS": encode_string(o.preferred_jws_algorithm.value),
                "OIDC_RESPONSE_TYPE": encode_string(o.response_type.value),
                "OIDC_DISABLE_PKCE": encode_bool(o.disable_pkce),
                "OIDC_MAX_CLOCK_SKEW": encode_int(o.max_clock_skew_seconds),
                "OIDC_CLIENT_AUTH_METHOD": encode_string(o.client_authentication_method.value),
                "OIDC_OM_REFRESH_TOKEN_VALIDITY": encode_int(o.token_validity_seconds),
                "OIDC_TENANT": encode_string(spec.tenant),
                "OIDC_SERVER_URL": encode_string(spec.server_url),
                "OIDC_CALLBACK": encode_string(spec.callback_url),
                # "" (not the server/chart default "0") so no max_age is sent unless asked for.
                "OIDC_MAX_AGE": encode_int(o.max_age_seconds),
                "OIDC_PROMPT_TYPE": encode_string(o.prompt),
                "OIDC_SESSION_EXPIRY": encode_int(o.session_expiry_seconds),
                # The chart renders this one unquoted: a raw JSON object (no spec field yet).
                "OIDC_CUSTOM_PARAMS": encode_object({}),
            }
        )
    env.update(
        {
            # OpenMetadata compares admins with the derived user name (email local part).
            "AUTHORIZER_ADMIN_PRINCIPALS": encode_list(spec.admin_usernames),
            "AUTHORIZER_PRINCIPAL_DOMAIN": encode_string(a.principal_domain),
            "AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN": encode_bool(a.enforce_principal_domain),
            "AUTHORIZER_ENABLE_SECURE_SOCKET": encode_bool(a.enable_secure_socket_connection),
            # AUTHORIZER_CLASS_NAME / AUTHORIZER_REQUEST_FILTER are deliberately not emitted: the
            # server defaults are the only values the chart schema allows (single-value enums), so
            # emitting them could only ever restate the default or break the server.
        }
    )
    for key, value in env.items():
        check_env_value(key, value)
    return env


def render_credentials(spec: CognitoSSOSpec, client_secret: str | None) -> dict[str, str]:
    if not spec.is_confidential:
        return {}  # a Public client has no secret; a stray one is ignored (and not hashed)
    if client_secret is None or client_secret == "":
        raise RenderError("a Confidential client needs the app client secret to render its credentials")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in client_secret):
        # The server pastes the raw value into its YAML config text: a newline would corrupt it.
        raise RenderError(
            "the app client secret contains a control character (for example a trailing newline); "
            "store the bare secret value"
        )
    return {OIDC_CLIENT_ID_KEY: spec.oidc.client_id, OIDC_CLIENT_SECRET_KEY: client_secret}


def render_helm_values(spec: CognitoSSOSpec, names: RenderedNames) -> dict[str, Any]:
    """Values for the official chart 1.13.1, with the types its values.schema.json demands."""
    o = spec.oidc
    a = spec.authorizer
    oidc_cfg: dict[str, Any]
    if spec.is_confidential:
        if names.credentials_secret is None:  # rendered_names always names it for Confidential
            raise RenderError("a Confidential client needs a credentials Secret name")
        oidc_cfg = {
            "enabled": True,  # the chart renders OIDC_* and the client id/secret env only when true
            "oidcType": PROVIDER,
            "clientId": {"secretRef": names.credentials_secret, "secretKey": OIDC_CLIENT_ID_KEY},
            "clientSecret": {"secretRef": names.credentials_secret, "secretKey": OIDC_CLIENT_SECRET_KEY},
            "scope": " ".join(o.scopes),
            "discoveryUri": spec.discovery_uri,
            "useNonce": o.use_nonce,
            "preferredJwsAlgorithm": o.preferred_jws_algorithm.value,
            "responseType": o.response_type.value,
            "promptType": o.prompt,
            "disablePkce": o.disable_pkce,
            "callbackUrl": spec.callback_url,
            "serverUrl": spec.server_url,
            "clientAuthenticationMethod": o.client_authentication_method.value,
            "tenant": spec.tenant,
            "maxClockSkew": "" if o.max_clock_skew_seconds is None else str(o.max_clock_skew_seconds),
            "customParams": "{}",
            "maxAge": "" if o.max_age_seconds is None else str(o.max_age_seconds),
            "tokenValidity": str(o.token_validity_seconds),
            "sessionExpiry": str(o.session_expiry_seconds),
        }
    else:
        oidc_cfg = {"enabled": False}
    return {
        "openmetadata": {
            "config": {
                "authentication": {
                    "enabled": True,
                    "provider": PROVIDER,
                    "clientType": spec.client_type.value.lower(),
                    "authority": spec.authority,
                    "clientId": o.client_id,
                    "callbackUrl": spec.callback_url,
                    "publicKeys": list(spec.effective_public_key_urls),
                    "jwtPrincipalClaims": list(spec.jwt_principal_claims),
                    "jwtPrincipalClaimsMapping": list(spec.jwt_principal_claims_mapping),
                    "responseType": o.response_type.value,
                    "oidcConfiguration": oidc_cfg,
                },
                "authorizer": {
                    "enabled": True,
                    "initialAdmins": list(spec.admin_usernames),
                    "principalDomain": a.principal_domain,
                    "enforcePrincipalDomain": a.enforce_principal_domain,
                    "enableSecureSocketConnection": a.enable_secure_socket_connection,
                },
            }
        },
        # The keys the chart has no value for (CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME,
        # AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM) reach the pod through this ConfigMap, appended
        # after the chart's Secrets (last envFrom source wins, §2.4). No `extraEnvs`: the chart
        # already emits OIDC_CLIENT_ID/SECRET as `env` (a duplicate would be ambiguous), and
        # valuesFrom replaces lists wholesale, so an empty list would wipe the user's own extraEnvs.
        "envFrom": [{"configMapRef": {"name": names.config_map}}],
    }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def compute_config_hash(
    env: Mapping[str, str],
    credentials: Mapping[str, str],
    helm_values: Mapping[str, Any],
    names: RenderedNames,
) -> str:
    """sha256 (first 32 hex) of everything the workload consumes, the client secret included.

    Only rendered output goes in (never CR metadata), so relabelling the CognitoSSO does not
    restart OpenMetadata, while a secret rotation, a spec change or a rename does.
    """
    doc = {
        "v": HASH_VERSION,
        "env": dict(env),
        "credentials": dict(credentials),
        "helmValues": helm_values,
        "objects": {
            "configMap": names.config_map,
            "credentialsSecret": names.credentials_secret,
            "helmValues": list(names.helm_values) if names.helm_values else None,
        },
        "workload": {"kind": names.workload_kind, "name": names.workload_name},
    }
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()[:HASH_LENGTH]


def render(name: str, spec: CognitoSSOSpec, client_secret: str | None) -> Rendered:
    """Render one CognitoSSO. Raises RenderError if the result would be unsafe or incomplete."""
    names = rendered_names(name, spec)
    env = render_env(spec)
    credentials = render_credentials(spec, client_secret)
    helm_values = render_helm_values(spec, names)
    leaked = SECRET_ENV_KEYS & env.keys()
    if leaked:  # defensive: the env builder never emits them
        raise RenderError(f"secret-backed keys in the ConfigMap: {sorted(leaked)}")
    return Rendered(
        env=env,
        credentials=credentials,
        helm_values=helm_values,
        config_hash=compute_config_hash(env, credentials, helm_values, names),
        names=names,
    )


# ---------------------------------------------------------------------------------------------
# Object builders (plain dicts for server-side apply)
# ---------------------------------------------------------------------------------------------
def is_valid_label_value(value: str) -> bool:
    return len(value) <= 63 and _LABEL_VALUE.match(value) is not None


def child_labels(owner_name: str) -> dict[str, str]:
    labels = {MANAGED_BY_LABEL: MANAGED_BY, PART_OF_LABEL: PART_OF}
    if owner_name and is_valid_label_value(owner_name):
        labels[OWNER_LABEL] = owner_name
    return labels


def owner_reference(owner: Mapping[str, Any]) -> dict[str, Any]:
    meta = owner.get("metadata") or {}
    uid, name = meta.get("uid"), meta.get("name")
    if not uid or not name:
        raise ValueError("owner needs metadata.name and metadata.uid to be referenced")
    return {
        "apiVersion": owner.get("apiVersion") or API_VERSION,
        "kind": owner.get("kind") or KIND,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _metadata(
    rendered: Rendered, name: str, namespace: str | None, owner: Mapping[str, Any] | None
) -> dict[str, Any]:
    owner_name = rendered.names.owner
    if owner is not None:
        ref = owner_reference(owner)
        if owner_name and ref["name"] != owner_name:
            raise ValueError(f"owner {ref['name']!r} is not the CognitoSSO {owner_name!r} that was rendered")
        owner_name = ref["name"]
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = child_labels(owner_name)
    meta["annotations"] = {CONFIG_HASH_ANNOTATION: rendered.config_hash}
    if owner is not None:
        meta["ownerReferences"] = [owner_reference(owner)]
    return meta


def _b64(value: str) -> str:
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def build_config_map(
    rendered: Rendered, namespace: str | None, owner: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The env ConfigMap. `owner` None (CLI preview only) leaves out the ownerReferences."""
    for key, value in rendered.env.items():
        check_env_value(key, value)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(rendered, rendered.names.config_map, namespace, owner),
        "data": dict(sorted(rendered.env.items())),
    }


def build_credentials_secret(
    rendered: Rendered, namespace: str | None, owner: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Opaque Secret with OIDC_CLIENT_ID/SECRET as base64 `data` (stable under server-side apply)."""
    if not rendered.credentials or rendered.names.credentials_secret is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(rendered, rendered.names.credentials_secret, namespace, owner),
        "type": "Opaque",
        "data": {k: _b64(v) for k, v in sorted(rendered.credentials.items())},
    }


def helm_values_yaml(rendered: Rendered) -> str:
    return yaml.safe_dump(rendered.helm_values, sort_keys=False, default_flow_style=False, width=10_000)


def build_helm_values_object(
    rendered: Rendered, namespace: str | None, owner: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Secret or ConfigMap holding the values document, for a Flux HelmRelease `valuesFrom`."""
    if rendered.names.helm_values is None:
        return None
    kind, name, key = rendered.names.helm_values
    document = helm_values_yaml(rendered)
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": _metadata(rendered, name, namespace, owner),
    }
    if kind == ValuesKind.SECRET.value:
        obj["type"] = "Opaque"
        obj["data"] = {key: _b64(document)}
    else:
        obj["data"] = {key: document}
    return obj


# ---------------------------------------------------------------------------------------------
# Redaction and the offline `render` command
# ---------------------------------------------------------------------------------------------
def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each non-empty secret in `text` with `<redacted>`."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redacted_credentials(rendered: Rendered, spec: CognitoSSOSpec) -> dict[str, str]:
    """The credentials Secret's content as a template: where each value comes from, never the value.

    The app-client id is not a secret (it is also AUTHENTICATION_CLIENT_ID) and is shown as is.
    """
    if not rendered.credentials:
        return {}
    ref = spec.oidc.client_secret_ref
    source = f"Secret {ref.name} key {ref.key}" if ref is not None else "the client secret"
    return {
        OIDC_CLIENT_ID_KEY: spec.oidc.client_id,
        OIDC_CLIENT_SECRET_KEY: f"<redacted: from {source}>",
    }


def build_secret_template(
    rendered: Rendered, spec: CognitoSSOSpec, namespace: str | None
) -> dict[str, Any] | None:
    if rendered.names.credentials_secret is None or not rendered.credentials:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(rendered, rendered.names.credentials_secret, namespace, None),
        "type": "Opaque",
        "stringData": redacted_credentials(rendered, spec),
    }


def _dump(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, width=10_000)


@dataclass(frozen=True)
class _Doc:
    source: str
    body: dict[str, Any]


def _read_documents(files: Sequence[str]) -> tuple[list[_Doc], list[str]]:
    docs: list[_Doc] = []
    errors: list[str] = []
    for path in files:
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            loaded = list(yaml.safe_load_all(text))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            errors.append(f"{path}: {exc}")
            continue
        for i, body in enumerate(loaded):
            if body is None:
                continue
            source = f"{'<stdin>' if path == '-' else path}[{i}]"
            if not isinstance(body, dict):
                errors.append(f"{source}: not a YAML mapping")
            elif body.get("kind") != KIND:
                sys.stderr.write(f"{source}: skipping kind {body.get('kind')!r}\n")
            else:
                docs.append(_Doc(source, body))
    return docs, errors


def _validator() -> Any:
    """`validate.validate_manifest` when that module exists (it is optional here)."""
    name = f"{__package__}.validate"
    try:
        module: ModuleType = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    return getattr(module, "validate_manifest", None)


def _format_problem(problem: Any) -> str:
    # validate.Problem's str() is "<field>: <message>" (the field said once).
    return str(problem)


def _read_secret_file(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        value = fh.read()
    # Files written by editors and `echo` end in a newline that is not part of the secret.
    return value.rstrip("\r\n")


def render_files_command(files: list[str], output: str, secret_file: str | None) -> int:
    """`cognito-sso-operator render`: print what the operator would write, secrets redacted."""
    if output not in {"env", "configmap", "secret-template", "helm-values", "all"}:
        sys.stderr.write(f"unknown output {output!r}\n")
        return 2
    secret: str | None = None
    if secret_file is not None:
        try:
            secret = _read_secret_file(secret_file)
        except (OSError, UnicodeDecodeError) as exc:
            sys.stderr.write(f"--client-secret-file: {exc}\n")
            return 1
        if not secret:
            sys.stderr.write("--client-secret-file: the file is empty\n")
            return 1

    docs, errors = _read_documents(files)
    validate_manifest = _validator()
    parsed: list[tuple[_Doc, str, str | None, CognitoSSOSpec]] = []
    for doc in docs:
        if validate_manifest is not None:
            problems = list(validate_manifest(doc.body) or [])
            if problems:
                errors.extend(f"{doc.source}: {_format_problem(p)}" for p in problems)
                continue
        meta = doc.body.get("metadata") or {}
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(name, str) or not name:
            errors.append(f"{doc.source}: metadata.name is required")
            continue
        namespace = meta.get("namespace")
        try:
            spec = CognitoSSOSpec.model_validate(doc.body.get("spec") or {})
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in ("spec", *err["loc"]))
                errors.append(f"{doc.source}: {loc}: {err['msg']}")
            continue
        parsed.append((doc, name, namespace if isinstance(namespace, str) else None, spec))
    if not docs and not errors:
        errors.append(f"no {KIND} document found")
    if errors:
        for line in errors:
            sys.stderr.write(redact(line, [secret]) + "\n")
        return 1

    chunks: list[str] = []
    for doc, name, namespace, spec in parsed:
        try:
            rendered = render(name, spec, secret if secret is not None else REDACTED)
        except RenderError as exc:
            sys.stderr.write(f"{doc.source}: {exc}\n")
            return 1
        chunks.extend(_render_outputs(output, rendered, spec, namespace))
    text = _join_outputs(output, chunks)
    # Belt and braces: the secret is only ever hashed, but never let it reach stdout.
    sys.stdout.write(redact(text, [secret]))
    return 0


def _render_outputs(
    output: str, rendered: Rendered, spec: CognitoSSOSpec, namespace: str | None
) -> list[str]:
    out: list[str] = []
    header = f"# {KIND} {rendered.names.owner} (config hash {rendered.config_hash})\n"
    if output == "env":
        lines = [header]
        lines.extend(f"{k}={v}\n" for k, v in sorted(rendered.env.items()))
        if rendered.names.credentials_secret is not None:
            lines.append(
                f"# {OIDC_CLIENT_ID_KEY}, {OIDC_CLIENT_SECRET_KEY}: secretKeyRef to Secret "
                f"{rendered.names.credentials_secret}\n"
            )
        out.append("".join(lines))
        return out
    if output in ("configmap", "all"):
        out.append(_dump(build_config_map(rendered, namespace, None)))
    if output in ("secret-template", "all"):
        template = build_secret_template(rendered, spec, namespace)
        if template is not None:
            out.append(_dump(template))
        elif output == "secret-template":
            out.append(f"# {rendered.names.owner}: Public client, no credentials Secret\n")
    if output in ("helm-values", "all"):
        target = rendered.names.helm_values
        where = (
            f"written to {target[0]} {target[1]} key {target[2]}"
            if target
            else "not written: spec.target.helmValues is unset"
        )
        out.append(f"# Helm values for the openmetadata chart 1.13.1 ({where})\n{helm_values_yaml(rendered)}")
    return out


def _join_outputs(output: str, chunks: list[str]) -> str:
    if output == "env":
        return "\n".join(chunks)
    return "---\n".join(chunks)
