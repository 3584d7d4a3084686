"""Validation of CognitoSSO objects: static (pure), live (discovery) and against the Cognito control plane.

* `parse_spec` turns a raw ``spec`` mapping into the pydantic model, translating validation errors into
  messages that name the CRD field path (camelCase) and say what is expected. Values are never echoed
  (any string could be a secret pasted into the wrong field); only allowed enum values are quoted.
* `validate_static` re-implements every `Rule` of `spec.py` in Python (`RULE_CHECKS`, one check per rule
  id, with the rule's own message) and adds the checks CEL cannot express well. The apiserver enforces the
  same rules at admission via CEL; the operator always runs these, whatever admitted the object.
* `validate_manifest` checks a whole document: apiVersion, kind, metadata.name (`ROOT_RULES`), then the
  spec.
* `validate_live` fetches the pool's discovery document through a `DiscoveryCache` and runs
  `discovery.check_discovery`; `check_app_client` compares the app client (boto3 ``cognito-idp``
  ``DescribeUserPoolClient``) with the spec and the referenced client secret.
* `validate_files_command` is ``cognito-sso-operator validate``.
"""

from __future__ import annotations

import asyncio
import difflib
import functools
import hmac
import json
import re
import string
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from . import redact
from . import spec as spec_module
from .discovery import (
    CognitoHttp,
    Discovery,
    DiscoveryCache,
    DiscoveryError,
    Reason,
    check_discovery,
    create_http_client,
)
from .settings import Settings
from .spec import (
    API_VERSION,
    AUTHORITY_RE,
    CLAIM_MAPPING_RE,
    COGNITO_STANDARD_SCOPES,
    DNS_LABEL_NAME_RE,
    DOMAIN_RE,
    KIND,
    LOCAL_HOSTS,
    OIDC_RULES,
    PROMPT_MESSAGE,
    ROOT_RULES,
    SCOPE_RE,
    SECRET_KEY_RE,
    SPEC_RULES,
    TARGET_RULES,
    ClientType,
    CognitoSSOSpec,
    ResponseType,
    Rule,
    ValuesKind,
    has_control_chars,
)

__all__ = [
    "ROOT_CHECKS",
    "RULE_CHECKS",
    "Problem",
    "check_app_client",
    "parse_spec",
    "validate_files_command",
    "validate_live",
    "validate_manifest",
    "validate_static",
]

CONTROL_CHARS_MESSAGE = "must not contain control characters (newline, tab, ...)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a CognitoSSO: the CRD field path, a CamelCase reason and a human message.

    Messages name the field and the fix, and never contain a secret.
    """

    field: str
    reason: str
    message: str

    def __str__(self) -> str:
        # Messages usually start with their field already ("spec.oidc.prompt must be ..."): say it once.
        if self.message.startswith(self.field):
            return self.message
        return f"{self.field}: {self.message}"


# ----------------------------------------------------------------------------------------------------
# parse_spec: pydantic errors -> human messages
# ----------------------------------------------------------------------------------------------------

# What a pattern means, for the pattern-mismatch message (the value itself is never shown).
_PATTERN_HINTS: dict[str, str] = {
    DNS_LABEL_NAME_RE: "must be a Kubernetes object name: lowercase letters, digits, '-' and '.', starting "
    "and ending with a letter or digit",
    SECRET_KEY_RE: "must be a Secret or ConfigMap key: letters, digits, '-', '_' and '.'",
    DOMAIN_RE: "must be a bare lowercase domain such as company.com (no scheme, no '@', no path)",
    SCOPE_RE: "must be a single scope token without spaces, quotes or backslashes (list each scope separately)",
    r"^[\w+]+$": "must be a Cognito app client id (letters and digits only)",
}


_MAX_KEY_SHOWN = 64


def _key(part: str) -> str:
    """A field name as shown in a message: an unknown key is user input, so escape and bound it (it goes
    into status conditions, Events and the terminal of `validate`)."""
    shown = json.dumps(str(part), ensure_ascii=True)[1:-1] if has_control_chars(str(part)) else str(part)
    return shown if len(shown) <= _MAX_KEY_SHOWN else shown[: _MAX_KEY_SHOWN - 1] + "…"


def _path(loc: Sequence[int | str]) -> str:
    out = "spec"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{_key(part)}"
    return out


@functools.cache
def _crd_spec_schema() -> dict[str, Any]:
    from .crd import spec_schema

    return spec_schema()


def _schema_at(loc: Sequence[int | str]) -> dict[str, Any] | None:
    node: Any = _crd_spec_schema()
    for part in loc:
        if not isinstance(node, dict):
            return None
        node = node.get("items") if isinstance(part, int) else node.get("properties", {}).get(part)
    return node if isinstance(node, dict) else None


def _known_fields(loc: Sequence[int | str]) -> list[str]:
    node = _schema_at(loc)
    props = node.get("properties") if node else None
    return sorted(props) if isinstance(props, dict) else []


def _range_text(loc: Sequence[int | str]) -> str:
    node = _schema_at(loc) or {}
    lo, hi = node.get("minimum"), node.get("maximum")
    what = "a whole number of seconds" if str(loc[-1]).endswith("Seconds") else "a whole number"
    if lo is not None and hi is not None:
        return f"{what} between {lo} and {hi}"
    if lo is not None:
        return f"{what}, at least {lo}"
    if hi is not None:
        return f"{what}, at most {hi}"
    return what


def _enum_text(loc: Sequence[int | str], expected: str | None) -> str:
    node = _schema_at(loc) or {}
    values = node.get("enum")
    if isinstance(values, list) and values:
        return ", ".join(str(v) for v in values)
    return expected or "one of the documented values"


def _problem_from_error(err: Mapping[str, Any]) -> Problem:
    loc: tuple[int | str, ...] = tuple(err.get("loc", ()))
    path = _path(loc)
    kind = str(err.get("type", ""))
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    value = err.get("input")

    if loc == ("oidc", "prompt") and kind in {"literal_error", "string_type"}:
        return Problem(path, "InvalidPrompt", PROMPT_MESSAGE)
    if kind == "missing":
        return Problem(path, "MissingField", f"{path} is required")
    if kind == "extra_forbidden":
        message = f"{path} is not a known field"
        name = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(name, _known_fields(loc[:-1]), n=1, cutoff=0.6)
        if close:
            message += f" (did you mean {close[0]}?)"
        return Problem(path, "UnknownField", message)
    if kind == "string_pattern_mismatch":
        if isinstance(value, str) and has_control_chars(value):
            return Problem(path, "InvalidField", f"{path} {CONTROL_CHARS_MESSAGE}")
        hint = _PATTERN_HINTS.get(str(ctx.get("pattern", "")), "has an invalid format")
        return Problem(path, "InvalidField", f"{path} {hint}")
    if kind == "string_too_long":
        return Problem(path, "InvalidField", f"{path} must be at most {ctx.get('max_length')} characters")
    if kind == "string_too_short":
        return Problem(path, "InvalidField", f"{path} must not be empty")
    if kind == "too_long":
        return Problem(path, "InvalidField", f"{path} must have at most {ctx.get('max_length')} items")
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return Problem(path, "InvalidField", f"{path} must have at least {n} item{'s' if n != 1 else ''}")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"} or kind.startswith("int_"):
        return Problem(path, "InvalidField", f"{path} must be {_range_text(loc)}")
    if kind.startswith("bool_"):
        return Problem(path, "InvalidField", f"{path} must be true or false")
    if kind in {"string_type", "string_unicode"}:
        return Problem(path, "InvalidField", f"{path} must be a string")
    if kind in {"list_type", "tuple_type", "iterable_type"}:
        return Problem(path, "InvalidField", f"{path} must be a list")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return Problem(path, "InvalidField", f"{path} must be an object (a mapping of fields)")
    if kind in {"enum", "literal_error"}:
        return Problem(path, "InvalidField", f"{path} must be one of: {_enum_text(loc, ctx.get('expected'))}")
    return Problem(path, "InvalidField", f"{path} is invalid")


def _prune_nulls(value: Any) -> Any:
    """Drop null map values, as the apiserver prunes them for fields that are not nullable."""
    if isinstance(value, Mapping):
        return {str(k): _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def parse_spec(spec: Mapping[str, Any] | Any) -> tuple[CognitoSSOSpec | None, list[Problem]]:
    """The typed spec, or None and every problem found (messages name the camelCase field path).

    Validation is strict like the apiserver's: "3600" is not an integer and "yes" is not a boolean.
    """
    if spec is None:
        return None, [Problem("spec", "MissingField", "spec is required")]
    if not isinstance(spec, Mapping):
        return None, [Problem("spec", "InvalidField", "spec must be an object (a mapping of fields)")]
    try:
        payload = json.dumps(_prune_nulls(spec), default=str, allow_nan=False)
    except ValueError:
        return None, [Problem("spec", "InvalidField", "spec holds a number that is not finite")]
    try:
        return CognitoSSOSpec.model_validate_json(payload, strict=True), []
    except ValidationError as exc:
        return None, _dedupe(_problem_from_error(e) for e in exc.errors(include_url=False))


# ----------------------------------------------------------------------------------------------------
# validate_static: a Python twin of every CEL rule, plus what CEL cannot express well
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ParsedURL:
    """The parts of a URL that Kubernetes' CEL url() library (Go's url.ParseRequestURI) exposes."""

    scheme: str
    authority: str  # userinfo@host:port as written
    hostname: str  # host without port and brackets
    has_userinfo: bool
    has_query: bool
    has_fragment: bool


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_USERINFO_CHARS = frozenset(string.ascii_letters + string.digits + "-._:~!$&'()*+,;=%@")
_HOST_CHARS = frozenset(string.ascii_letters + string.digits + "-_.~!$&'()*+,;=:[]<>\"")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _valid_optional_port(port: str) -> bool:
    return port == "" or (port[0] == ":" and all(c in string.digits for c in port[1:]))


def _valid_host_chars(host: str) -> bool:
    """Go's unescape(host, encodeHost): %-escapes only for non-ASCII bytes (or %25), no other specials."""
    i = 0
    while i < len(host):
        c = host[i]
        if c == "%":
            esc = host[i + 1 : i + 3]
            if len(esc) < 2 or any(h not in string.hexdigits for h in esc):
                return False
            if int(esc[0], 16) < 8 and host[i : i + 3] != "%25":
                return False
            i += 3
            continue
        if ord(c) < 0x80 and c not in _HOST_CHARS:
            return False
        i += 1
    return True


def _parse_url(url: str) -> _ParsedURL | None:
    """A twin of Go's url.ParseRequestURI (what CEL's isURL()/url() use): None where isURL() is false,
    else the parts CEL can see (getScheme() is lowercased, getHostname() drops port and brackets)."""
    if has_control_chars(url):
        return None
    m = _SCHEME.fullmatch(url)
    if m is None:
        if url.startswith("/") and not _BAD_ESCAPE.search(url.split("?", 1)[0]):
            return _ParsedURL("", "", "", False, "?" in url, "#" in url)
        return None
    scheme, rest = m.group(1).lower(), m.group(2)
    has_query = "?" in rest
    rest = rest.split("?", 1)[0]
    if not rest.startswith("//"):
        if rest.startswith("/") and _BAD_ESCAPE.search(rest):
            return None
        return _ParsedURL(scheme, "", "", False, has_query, "#" in url)
    authority, slash, path = rest[2:].partition("/")
    if slash and _BAD_ESCAPE.search(path):
        return None
    userinfo, at, hostport = authority.rpartition("@")
    if at and any(c not in _USERINFO_CHARS for c in userinfo):
        return None
    if hostport.startswith("["):
        end = hostport.rfind("]")
        if end < 0 or not _valid_optional_port(hostport[end + 1 :]):
            return None
    else:
        colon = hostport.rfind(":")
        if colon >= 0 and not _valid_optional_port(hostport[colon:]):
            return None
    if not _valid_host_chars(hostport):
        return None
    # url.Hostname(): strip a valid :port, then the brackets of an IPv6 literal.
    hostname = hostport
    colon = hostname.rfind(":")
    if colon >= 0 and _valid_optional_port(hostname[colon:]):
        hostname = hostname[:colon]
    if hostname.startswith("[") and hostname.endswith("]"):
        hostname = hostname[1:-1]
    return _ParsedURL(scheme, authority, hostname, bool(at), has_query, "#" in url)


def _url_ok(url: str) -> bool:
    """Twin of spec._URL_OK: https with a host name, or http for localhost."""
    u = _parse_url(url)
    if u is None or u.hostname == "":
        return False
    return u.scheme == "https" or (u.scheme == "http" and u.hostname in LOCAL_HOSTS)


def _callback_same_host(s: CognitoSSOSpec) -> bool:
    cb, srv = s.oidc.callback_url, s.oidc.server_url
    if cb is None or _parse_url(cb) is None or _parse_url(srv) is None:
        return True
    cb_parts, srv_parts = cb.split("/"), srv.split("/")
    if len(cb_parts) < 3 or len(srv_parts) < 3:
        return True
    return cb_parts[2] == srv_parts[2]


def _authority_region(s: CognitoSSOSpec) -> bool:
    if re.fullmatch(AUTHORITY_RE, s.authority) is None:
        return True
    parts = s.authority.split("/")
    return parts[3].split("_")[0] == parts[2].split(".")[1]


def _mapping_shape(s: CognitoSSOSpec) -> bool:
    m = s.jwt_principal_claims_mapping
    if not m:
        return True
    return (
        len(m) == 2 and sum(x.startswith("username:") for x in m) == 1 and sum(x.startswith("email:") for x in m) == 1
    )


def _scope_known(scope: str) -> bool:
    if scope == "groups" or scope in COGNITO_STANDARD_SCOPES:
        return True
    return "/" in scope and not scope.startswith("/") and not scope.endswith("/")


@dataclass(frozen=True)
class RuleCheck:
    """The Python twin of one CEL `Rule`: `check` returns True when the object satisfies it."""

    reason: str
    check: Callable[[CognitoSSOSpec], bool]


RULE_CHECKS: dict[str, RuleCheck] = {
    # SPEC_RULES
    "authority-format": RuleCheck("InvalidAuthority", lambda s: re.fullmatch(AUTHORITY_RE, s.authority) is not None),
    "authority-region": RuleCheck("InvalidAuthority", _authority_region),
    "tenant-pool": RuleCheck(
        "InvalidTenant",
        lambda s: not s.oidc.tenant or s.authority.endswith("/" + s.oidc.tenant),
    ),
    "discovery-pool": RuleCheck(
        "InvalidDiscoveryURI",
        lambda s: (
            s.oidc.discovery_uri is None or s.oidc.discovery_uri == s.authority + "/.well-known/openid-configuration"
        ),
    ),
    "confidential-secret": RuleCheck(
        "MissingClientSecretRef",
        lambda s: s.client_type is not ClientType.CONFIDENTIAL or s.oidc.client_secret_ref is not None,
    ),
    "public-no-secret": RuleCheck(
        "UnexpectedClientSecretRef",
        lambda s: s.client_type is not ClientType.PUBLIC or s.oidc.client_secret_ref is None,
    ),
    "confidential-code": RuleCheck(
        "InvalidResponseType",
        lambda s: s.client_type is not ClientType.CONFIDENTIAL or s.oidc.response_type is ResponseType.CODE,
    ),
    "mapping-shape": RuleCheck("InvalidClaimsMapping", _mapping_shape),
    "mapping-items": RuleCheck(
        "InvalidClaimsMapping",
        lambda s: all(re.fullmatch(CLAIM_MAPPING_RE, m) for m in s.jwt_principal_claims_mapping),
    ),
    "server-url-https": RuleCheck("InsecureURL", lambda s: _url_ok(s.oidc.server_url)),
    "callback-url-https": RuleCheck(
        "InsecureURL", lambda s: s.oidc.callback_url is None or _url_ok(s.oidc.callback_url)
    ),
    "callback-host": RuleCheck("CallbackHostMismatch", _callback_same_host),
    "admin-domain": RuleCheck(
        "AdminOutsideDomain",
        lambda s: (
            not s.authorizer.enforce_principal_domain
            or all(
                "@" not in p or p.endswith("@" + s.authorizer.principal_domain) for p in s.authorizer.admin_principals
            )
        ),
    ),
    "public-key-urls": RuleCheck(
        "MissingPoolJWKS",
        lambda s: not s.public_key_urls or any(u == s.jwks_uri for u in s.public_key_urls),
    ),
    # OIDC_RULES
    "prompt-values": RuleCheck("InvalidPrompt", lambda s: s.oidc.prompt in ("", "login", "select_account")),
    "scopes-openid": RuleCheck("InvalidScopes", lambda s: "openid" in s.oidc.scopes),
    "scopes-groups": RuleCheck("InvalidScopes", lambda s: "groups" not in s.oidc.scopes),
    "scopes-cognito": RuleCheck("InvalidScopes", lambda s: all(_scope_known(x) for x in s.oidc.scopes)),
    "scopes-unique": RuleCheck("InvalidScopes", lambda s: len(set(s.oidc.scopes)) == len(s.oidc.scopes)),
    # TARGET_RULES
    "target-name": RuleCheck(
        "InvalidTarget",
        lambda s: (
            s.target.name is None or s.target.deployment_name is None or s.target.name == s.target.deployment_name
        ),
    ),
}

MAX_OBJECT_NAME = 200


def _root_name_length(doc: Mapping[str, Any]) -> bool:
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return not isinstance(name, str) or len(name) <= MAX_OBJECT_NAME


ROOT_CHECKS: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "name-length": ("InvalidName", _root_name_length),
}

STATIC_RULES: tuple[Rule, ...] = (*SPEC_RULES, *OIDC_RULES, *TARGET_RULES)


def _extra_checks(s: CognitoSSOSpec, name: str | None) -> list[Problem]:
    """What CEL cannot express (or not within its cost budget); operator-only."""
    problems: list[Problem] = []

    for field, url in (("spec.oidc.serverUrl", s.oidc.server_url), ("spec.oidc.callbackUrl", s.oidc.callback_url)):
        u = _parse_url(url) if url is not None else None
        if u is None:
            continue
        if u.has_userinfo:
            problems.append(Problem(field, "InvalidURL", f"{field} must not contain user info (user:password@)"))
        if field == "spec.oidc.serverUrl" and (u.has_query or u.has_fragment):
            problems.append(Problem(field, "InvalidURL", f"{field} must be a base URL without query or fragment"))
        if field == "spec.oidc.callbackUrl" and u.has_fragment:
            problems.append(
                Problem(
                    field,
                    "InvalidURL",
                    f"{field} must not contain a fragment (#...): OAuth redirect URIs cannot carry one",
                )
            )

    for i, url in enumerate(s.public_key_urls):
        u = _parse_url(url)
        if u is None or u.scheme not in ("http", "https") or not u.hostname or u.has_userinfo:
            field = f"spec.publicKeyUrls[{i}]"
            problems.append(
                Problem(
                    field, "InvalidURL", f"{field} must be an absolute http(s) URL with a host name and no user info"
                )
            )
    if s.target.service_url is not None:
        u = _parse_url(s.target.service_url)
        if u is None or u.scheme not in ("http", "https") or not u.hostname or u.has_userinfo:
            problems.append(
                Problem(
                    "spec.target.serviceUrl",
                    "InvalidURL",
                    "spec.target.serviceUrl must be an "
                    "absolute http(s) URL with a host name and no user info, e.g. "
                    "http://openmetadata:8585",
                )
            )

    for i, principal in enumerate(s.authorizer.admin_principals):
        if "@" in principal:
            local, _, domain = principal.partition("@")
            if not local or not domain or "@" in domain:
                field = f"spec.authorizer.adminPrincipals[{i}]"
                problems.append(
                    Problem(
                        field,
                        "InvalidAdminPrincipal",
                        f"{field} must be a user name or an "
                        "email user@domain (OpenMetadata compares the part before '@')",
                    )
                )

    problems.extend(_name_collisions(s, name))
    return problems


def _name_collisions(s: CognitoSSOSpec, name: str | None) -> list[Problem]:
    """Objects the operator writes (and owns) must not be the user's client secret or each other."""
    t = s.target
    ref = s.oidc.client_secret_ref.name if s.oidc.client_secret_ref is not None else None
    config_map = t.config_map_name
    credentials = t.credentials_secret_name
    if name is not None:
        from .render import rendered_names

        names = rendered_names(name, s)
        config_map, credentials = names.config_map, names.credentials_secret
    problems: list[Problem] = []
    if s.is_confidential and ref is not None and credentials == ref:
        if t.credentials_secret_name is not None:
            problems.append(
                Problem(
                    "spec.target.credentialsSecretName",
                    "NameCollision",
                    "spec.target.credentialsSecretName names the Secret that holds the app client secret "
                    "(spec.oidc.clientSecretRef.name); the operator owns and rewrites its credentials Secret: "
                    "choose another name",
                )
            )
        else:
            problems.append(
                Problem(
                    "spec.oidc.clientSecretRef.name",
                    "NameCollision",
                    f"spec.oidc.clientSecretRef.name is {ref}, the operator's default credentials Secret, which it "
                    "owns and rewrites: keep the app client secret in another Secret, or set "
                    "spec.target.credentialsSecretName",
                )
            )
    hv = t.helm_values
    if hv is not None:
        if hv.kind is ValuesKind.SECRET and ref is not None and hv.name == ref:
            problems.append(
                Problem(
                    "spec.target.helmValues.name",
                    "NameCollision",
                    "spec.target.helmValues.name names the Secret that holds the app client secret "
                    "(spec.oidc.clientSecretRef.name); the operator owns and rewrites it: choose another name",
                )
            )
        elif hv.kind is ValuesKind.SECRET and s.is_confidential and credentials is not None and hv.name == credentials:
            problems.append(
                Problem(
                    "spec.target.helmValues.name",
                    "NameCollision",
                    "spec.target.helmValues.name is the operator's credentials Secret "
                    "(spec.target.credentialsSecretName): choose another name",
                )
            )
        elif hv.kind is ValuesKind.CONFIG_MAP and config_map is not None and hv.name == config_map:
            problems.append(
                Problem(
                    "spec.target.helmValues.name",
                    "NameCollision",
                    "spec.target.helmValues.name is the operator's env ConfigMap (spec.target.configMapName): "
                    "choose another name",
                )
            )
    return problems


def validate_static(spec: CognitoSSOSpec, *, name: str | None = None) -> list[Problem]:
    """Every rule of `spec.py` (Python twins, same messages) plus the operator-only checks.

    `name` (the object's metadata.name) lets the name-collision check use the default child names.
    """
    problems: list[Problem] = []
    for rule in STATIC_RULES:
        twin = RULE_CHECKS[rule.id]
        if not twin.check(spec):
            problems.append(Problem(rule.field_path, twin.reason, rule.message))
    problems.extend(_extra_checks(spec, name))
    return _dedupe(problems)


def validate_manifest(doc: Mapping[str, Any]) -> list[Problem]:
    """apiVersion, kind and metadata.name (`ROOT_RULES`), then the spec (parse + static)."""
    if not isinstance(doc, Mapping):
        return [Problem("", "InvalidManifest", "the document must be a mapping (a Kubernetes object)")]
    problems: list[Problem] = []
    if doc.get("apiVersion") != API_VERSION:
        problems.append(Problem("apiVersion", "InvalidAPIVersion", f"apiVersion must be {API_VERSION}"))
    if doc.get("kind") != KIND:
        problems.append(Problem("kind", "InvalidKind", f"kind must be {KIND}"))
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        problems.append(Problem("metadata.name", "MissingField", "metadata.name is required"))
        name = None
    elif re.fullmatch(DNS_LABEL_NAME_RE, name) is None or len(name) > spec_module.MAX_NAME:
        problems.append(
            Problem(
                "metadata.name",
                "InvalidName",
                "metadata.name must be a Kubernetes object name: lowercase letters, digits, '-' and '.'",
            )
        )
    for rule in ROOT_RULES:
        reason, check = ROOT_CHECKS[rule.id]
        if not check(doc):
            problems.append(Problem(rule.field_path, reason, rule.message))
    parsed, spec_problems = parse_spec(doc.get("spec"))
    problems.extend(spec_problems)
    if parsed is not None:
        problems.extend(validate_static(parsed, name=name))
    return _dedupe(problems)


# ----------------------------------------------------------------------------------------------------
# live checks
# ----------------------------------------------------------------------------------------------------

_DISCOVERY_FIELDS: dict[str, str] = {
    Reason.ISSUER_MISMATCH: "spec.authority",
    Reason.POOL_HAS_NO_DOMAIN: "spec.authority",
    Reason.JWKS_NO_USABLE_KEY: "spec.tokenValidationAlgorithm",
    Reason.AUTH_METHOD_NOT_SUPPORTED: "spec.oidc.clientAuthenticationMethod",
    Reason.RESPONSE_TYPE_NOT_SUPPORTED: "spec.oidc.responseType",
}


def _from_discovery_error(err: DiscoveryError) -> Problem:
    return Problem(_DISCOVERY_FIELDS.get(err.reason, "spec.authority"), str(err.reason), err.message)


async def validate_live(spec: CognitoSSOSpec, cache: DiscoveryCache) -> tuple[Discovery | None, list[Problem]]:
    """Fetch the pool's discovery (through the cache) and check the spec against it.

    Returns the discovery (None when it could not be fetched) and the problems. A fetch failure is one
    problem whose reason is the `DiscoveryError` reason; its retryability is for the caller to read from
    the cache error if it needs it (`validate_live` never raises `DiscoveryError`).
    """
    try:
        disc = await cache.get(spec.authority)
    except DiscoveryError as err:
        return None, [_from_discovery_error(err)]
    errors = check_discovery(
        disc,
        authority=spec.authority,
        token_validation_algorithm=spec.token_validation_algorithm.value,
        client_authentication_method=spec.oidc.client_authentication_method.value if spec.is_confidential else None,
        response_type=spec.oidc.response_type.value,
    )
    return disc, [_from_discovery_error(e) for e in errors]


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error")
        if isinstance(error, Mapping):
            code = error.get("Code")
            return str(code) if code else None
    return None


def check_app_client(spec: CognitoSSOSpec, client_secret: str | None, cognito_client: Any) -> list[Problem]:
    """Compare the Cognito app client with the spec (boto3 ``cognito-idp`` client injected).

    Checks that the client exists, has a secret when Confidential (and none when Public), allows the
    code flow, allows every requested scope and lists the callback URL, and that `client_secret` (the
    referenced Kubernetes Secret's value, when given) is the client's current secret. No secret value
    ever reaches a message.
    """
    field_client = "spec.oidc.clientId"
    try:
        answer = cognito_client.describe_user_pool_client(UserPoolId=spec.pool_id, ClientId=spec.oidc.client_id)
    except Exception as exc:
        code = _error_code(exc)
        if code == "ResourceNotFoundException":
            return [
                Problem(
                    field_client,
                    "AppClientNotFound",
                    f"spec.oidc.clientId: user pool {spec.pool_id} has "
                    "no app client with this id; check spec.oidc.clientId and spec.authority",
                )
            ]
        what = code or type(exc).__name__
        return [
            Problem(
                field_client,
                "AppClientCheckFailed",
                f"spec.oidc.clientId: could not describe the app "
                f"client in user pool {spec.pool_id} ({what}); check the operator's AWS permissions "
                "(cognito-idp:DescribeUserPoolClient)",
            )
        ]
    client = answer.get("UserPoolClient") if isinstance(answer, Mapping) else None
    if not isinstance(client, Mapping):
        return [
            Problem(
                field_client,
                "AppClientCheckFailed",
                "spec.oidc.clientId: Cognito answered DescribeUserPoolClient without a UserPoolClient",
            )
        ]

    problems: list[Problem] = []
    actual_secret = client.get("ClientSecret")
    has_secret = isinstance(actual_secret, str) and actual_secret != ""
    if has_secret:
        redact.register(actual_secret)  # Cognito's copy is as secret as ours: scrub it from every log line
    if spec.is_confidential and not has_secret:
        problems.append(
            Problem(
                field_client,
                "AppClientHasNoSecret",
                "spec.oidc.clientId: the app client has no "
                "client secret, so it cannot be used as a Confidential client; create an app "
                "client with a secret, or set spec.clientType: Public",
            )
        )
    if not spec.is_confidential and has_secret:
        problems.append(
            Problem(
                field_client,
                "AppClientHasSecret",
                "spec.oidc.clientId: the app client has a "
                "client secret, which a Public client cannot send; set spec.clientType: "
                "Confidential and spec.oidc.clientSecretRef, or use an app client without secret",
            )
        )

    flows = client.get("AllowedOAuthFlows") or []
    if not client.get("AllowedOAuthFlowsUserPoolClient") or "code" not in flows:
        problems.append(
            Problem(
                "spec.oidc.responseType",
                "CodeFlowNotAllowed",
                "spec.oidc.responseType: the app "
                "client does not allow the authorization code grant; enable OAuth flows with "
                "'Authorization code grant' on the app client",
            )
        )

    allowed_scopes = set(client.get("AllowedOAuthScopes") or [])
    missing = [x for x in spec.oidc.scopes if x not in allowed_scopes]
    if missing:
        problems.append(
            Problem(
                "spec.oidc.scopes",
                "ScopeNotAllowed",
                "spec.oidc.scopes: the app client does not "
                f"allow {', '.join(missing)}; enable them on the app client or remove them",
            )
        )

    callbacks = client.get("CallbackURLs") or []
    if spec.callback_url not in callbacks:
        problems.append(
            Problem(
                "spec.oidc.callbackUrl",
                "CallbackNotRegistered",
                "spec.oidc.callbackUrl: "
                f"{spec.callback_url} is not an allowed callback URL of the app client; add it "
                "there (Cognito compares it exactly)",
            )
        )

    if client_secret is not None and has_secret and spec.is_confidential:
        same = hmac.compare_digest(client_secret.encode("utf-8"), str(actual_secret).encode("utf-8"))
        if not same:
            ref = spec.oidc.client_secret_ref
            where = f"Secret {ref.name}, key {ref.key}" if ref is not None else "the referenced Secret"
            problems.append(
                Problem(
                    "spec.oidc.clientSecretRef",
                    "StaleClientSecret",
                    "spec.oidc.clientSecretRef: "
                    f"{where} does not hold the app client's current secret (rotated or "
                    "mistyped?); copy the current secret into that Secret",
                )
            )
    return problems


# ----------------------------------------------------------------------------------------------------
# CLI: cognito-sso-operator validate
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    file: str
    index: int  # 1-based position among the file's documents
    body: Mapping[str, Any]

    @property
    def label(self) -> str:
        meta = self.body.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        name = meta.get("name") if isinstance(meta.get("name"), str) else "<unnamed>"
        ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else None
        return f"{ns}/{name}" if ns else str(name)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.index} {self.label}"


def _load(files: Sequence[str], err: Any) -> tuple[list[_Doc], bool]:
    docs: list[_Doc] = []
    ok = True
    for path in files:
        shown = "<stdin>" if path == "-" else path
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
            loaded = list(yaml.safe_load_all(text))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            # YAML errors quote the offending line, which could hold a secret: say where, not what.
            mark = getattr(exc, "problem_mark", None)
            at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            what = "cannot read the file" if isinstance(exc, OSError | UnicodeDecodeError) else "invalid YAML"
            err.write(f"{shown}: {what}{at}\n")
            ok = False
            continue
        for i, body in enumerate(loaded, start=1):
            if body is None:
                continue
            if not isinstance(body, Mapping):
                err.write(f"{shown}:{i}: not a Kubernetes object (a YAML mapping)\n")
                ok = False
            elif body.get("kind") == "List" and isinstance(body.get("items"), list):
                docs.extend(
                    _Doc(shown, i, item)
                    for item in body["items"]
                    if isinstance(item, Mapping) and item.get("kind") == KIND
                )
            elif body.get("kind") == KIND:
                docs.append(_Doc(shown, i, body))
    return docs, ok


async def _live_all(specs: Sequence[CognitoSSOSpec], settings: Settings) -> list[list[Problem]]:
    async with create_http_client(settings) as client:
        cache = DiscoveryCache(CognitoHttp(client, settings), settings)
        results = await asyncio.gather(*(validate_live(s, cache) for s in specs))
    return [problems for _, problems in results]


def _control_plane_all(specs: Sequence[CognitoSSOSpec]) -> list[list[Problem]] | None:
    """`check_app_client` for every spec when boto3 and AWS credentials are available, else None.

    The CLI has no access to the referenced Kubernetes Secret, so the secret comparison is skipped.
    """
    try:
        import boto3
    except ImportError:
        return None
    session = boto3.Session()
    if session.get_credentials() is None:
        return None
    clients: dict[str, Any] = {}
    out: list[list[Problem]] = []
    for s in specs:
        if s.region not in clients:
            clients[s.region] = session.client("cognito-idp", region_name=s.region)
        out.append(check_app_client(s, None, clients[s.region]))
    return out


def validate_files_command(files: list[str], online: bool) -> int:
    """Validate every CognitoSSO document of `files` ('-' = stdin); 0 when all are fine, else 1."""
    out, err = sys.stdout, sys.stderr
    docs, ok = _load(files, err)
    if not docs:
        err.write(f"no {KIND} document found in {', '.join(files)}\n")
        return 1
    results: list[list[Problem]] = []
    specs: list[tuple[int, CognitoSSOSpec]] = []
    for i, doc in enumerate(docs):
        problems = validate_manifest(doc.body)
        results.append(problems)
        if online and not problems:
            parsed, _ = parse_spec(doc.body.get("spec"))
            if parsed is not None:
                specs.append((i, parsed))
    if specs:
        settings = Settings.from_env()
        only = [s for _, s in specs]
        live = asyncio.run(_live_all(only, settings))
        for (i, _), problems in zip(specs, live, strict=True):
            results[i].extend(problems)
        app = _control_plane_all(only) if settings.aws_control_plane_check else None
        for (i, _), problems in zip(specs, app or [], strict=False):
            results[i].extend(problems)
    bad = 0
    for doc, problems in zip(docs, results, strict=True):
        for p in problems:
            out.write(f"{doc.where}: {p}\n")
        bad += bool(problems)
    if bad or not ok:
        err.write(f"{bad} of {len(docs)} {KIND} object(s) invalid\n")
        return 1
    out.write(f"OK: {len(docs)} {KIND} object(s) valid{' (online checks included)' if online else ''}\n")
    return 0
