"""The CognitoSSO API: pydantic models that are the one source of truth for the CRD.

Every field carries a description (it becomes `kubectl explain` text), every string and list
is bounded, and every cross-field rule is declared once, as a `Rule` with a CEL expression
(enforced at admission) and a message (shared with the operator's own validator).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

GROUP = "cognito-sso.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "CognitoSSO"
PLURAL = "cognitossos"
SINGULAR = "cognitosso"
SHORT_NAMES = ["csso"]

# Bounds: large enough for any real configuration, small enough that CEL cost stays bounded.
MAX_URL = 2048
MAX_NAME = 253
MAX_SHORT = 256
MAX_LIST = 32
MAX_SECONDS = 31_536_000  # one year

# Strings may not carry control characters: no newline can reach the rendered env.
NO_CONTROL_CHARS = r"^[^\x00-\x1f\x7f]*$"
_NO_CONTROL = re.compile(NO_CONTROL_CHARS)

REGION_RE = r"[a-z]{2}-[a-z]+-[0-9]"
POOL_ID_RE = rf"{REGION_RE}_[0-9A-Za-z]+"
AUTHORITY_RE = rf"^https://cognito-idp\.({REGION_RE})\.amazonaws\.com/(({REGION_RE})_[0-9A-Za-z]+)$"
AUTHORITY_PATTERN = re.compile(AUTHORITY_RE)
DOMAIN_RE = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
DNS_LABEL_NAME_RE = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
SECRET_KEY_RE = r"^[-._a-zA-Z0-9]+$"
CLAIM_MAPPING_RE = r"^(username|email):[a-zA-Z0-9_-]+$"
SCOPE_RE = r"^[\x21\x23-\x5b\x5d-\x7e]+$"  # RFC 6749 scope-token


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: CEL for admission, a message shared with the operator's validator."""

    id: str
    cel: str
    message: str
    field_path: str = ""


def _s(description: str, *, max_length: int = MAX_SHORT, pattern: str = NO_CONTROL_CHARS, **kw: Any) -> Any:
    return Field(description=description, max_length=max_length, pattern=pattern, **kw)


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        use_enum_values=False,
    )


class ClientType(StrEnum):
    PUBLIC = "Public"
    CONFIDENTIAL = "Confidential"


class TokenValidationAlgorithm(StrEnum):
    RS256 = "RS256"
    RS384 = "RS384"
    RS512 = "RS512"


class ResponseType(StrEnum):
    CODE = "code"
    ID_TOKEN = "id_token"


class ClientAuthenticationMethod(StrEnum):
    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"


class TargetKind(StrEnum):
    DEPLOYMENT = "Deployment"
    STATEFUL_SET = "StatefulSet"


class RestartPolicy(StrEnum):
    ON_CHANGE = "OnChange"
    NEVER = "Never"


class StoredConfig(StrEnum):
    KEEP = "Keep"
    RESET = "Reset"


class ValuesKind(StrEnum):
    SECRET = "Secret"
    CONFIG_MAP = "ConfigMap"


# In the CRD the prompt is a plain bounded string: an OpenAPI enum failure would stop the apiserver
# before the CEL rule `prompt-values` runs, and only that rule's message says why none/consent are wrong.
Prompt = Annotated[
    Literal["", "login", "select_account"],
    WithJsonSchema({"type": "string", "maxLength": 32}),
]

NameStr = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_NAME,
        pattern=DNS_LABEL_NAME_RE,
        description="A Kubernetes object name (RFC 1123 subdomain).",
    ),
]
UrlStr = Annotated[str, Field(min_length=1, max_length=MAX_URL, pattern=NO_CONTROL_CHARS)]
ScopeStr = Annotated[str, Field(min_length=1, max_length=MAX_SHORT, pattern=SCOPE_RE)]
ClaimStr = Annotated[str, Field(min_length=1, max_length=MAX_SHORT, pattern=NO_CONTROL_CHARS)]
PrincipalStr = Annotated[str, Field(min_length=1, max_length=MAX_SHORT, pattern=NO_CONTROL_CHARS)]


class SecretKeyRef(_Model):
    """Where the operator reads the app client secret: a key of a Secret in the same namespace."""

    name: NameStr = Field(description="Name of a Secret in the CognitoSSO's own namespace.")
    key: str = Field(
        default="clientSecret",
        min_length=1,
        max_length=MAX_NAME,
        pattern=SECRET_KEY_RE,
        description="Key inside the Secret whose value is the Cognito app client secret. "
        "Default: clientSecret.",
    )


class OidcSpec(_Model):
    """OIDC settings of the OpenMetadata server (the `oidcConfiguration` block)."""

    client_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\w+]+$",
        description="The Cognito app client id (not a secret in OAuth terms). Rendered as OIDC_CLIENT_ID "
        "and AUTHENTICATION_CLIENT_ID.",
    )
    client_secret_ref: SecretKeyRef | None = Field(
        default=None,
        description="Reference to the Secret key holding the app client secret. Required for "
        "Confidential clients, forbidden for Public ones. The secret value never goes into the manifest.",
    )
    scopes: list[ScopeStr] = Field(
        default_factory=lambda: ["openid", "email", "profile"],
        min_length=1,
        max_length=MAX_LIST,
        description="Scopes requested from Cognito (OIDC_SCOPE, space-joined). Must include openid; "
        "every scope must be enabled on the app client. 'groups' is not a Cognito scope (groups arrive "
        "in the cognito:groups claim). Default: [openid, email, profile].",
    )
    discovery_uri: UrlStr | None = Field(
        default=None,
        description="OIDC discovery document URL (OIDC_DISCOVERY_URI). Default: "
        "<authority>/.well-known/openid-configuration; when given it must be exactly that.",
    )
    use_nonce: bool = Field(default=True, description="Send a nonce to prevent replay (OIDC_USE_NONCE). "
                            "Default: true.")
    preferred_jws_algorithm: TokenValidationAlgorithm = Field(
        default=TokenValidationAlgorithm.RS256,
        description="JWS algorithm expected on ID tokens (OIDC_PREFERRED_JWS). Cognito signs with RS256. "
        "Default: RS256.",
    )
    response_type: ResponseType = Field(
        default=ResponseType.CODE,
        description="OAuth response type (OIDC_RESPONSE_TYPE and AUTHENTICATION_RESPONSE_TYPE). Cognito's "
        "authorize endpoint accepts only the code flow for OpenMetadata: use code. Default: code.",
    )
    disable_pkce: bool = Field(default=False, description="Disable PKCE (OIDC_DISABLE_PKCE). Keep false: "
                               "PKCE protects the code exchange. Default: false.")
    max_clock_skew_seconds: int | None = Field(
        default=None, ge=0, le=3600,
        description="Allowed clock difference when validating tokens, in seconds (OIDC_MAX_CLOCK_SKEW). "
        "Default: unset (the library default).",
    )
    client_authentication_method: ClientAuthenticationMethod = Field(
        default=ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
        description="How the server authenticates to Cognito's token endpoint (OIDC_CLIENT_AUTH_METHOD). "
        "Must be listed in the discovery document. Default: client_secret_basic.",
    )
    token_validity_seconds: int = Field(
        default=3600, ge=0, le=MAX_SECONDS,
        description="Lifetime of the OpenMetadata-minted token when a refresh returns no id_token "
        "(OIDC_OM_REFRESH_TOKEN_VALIDITY). Default: 3600.",
    )
    tenant: str | None = Field(
        default=None, max_length=64, pattern=NO_CONTROL_CHARS,
        description="The user pool id (OIDC_TENANT). Default: the pool id from the authority; when given "
        "it must equal it.",
    )
    server_url: UrlStr = Field(
        description="OpenMetadata's own public base URL, e.g. https://openmetadata.example.com "
        "(OIDC_SERVER_URL). https unless the host is localhost.",
    )
    callback_url: UrlStr | None = Field(
        default=None,
        description="Redirect URI registered on the app client (OIDC_CALLBACK and "
        "AUTHENTICATION_CALLBACK_URL). Default: <serverUrl>/callback. Same host as serverUrl.",
    )
    max_age_seconds: int | None = Field(
        default=None, ge=0, le=MAX_SECONDS,
        description="Maximum authentication age before a new login is required (OIDC_MAX_AGE). Default: "
        "unset (no max_age is sent).",
    )
    prompt: Prompt = Field(
        default="select_account",
        description="Prompt sent to Cognito (OIDC_PROMPT_TYPE): login, select_account, or empty for none. "
        "OpenMetadata rejects 'none' for every provider and 'consent' for Cognito. Default: select_account.",
    )
    session_expiry_seconds: int = Field(
        default=604800, ge=0, le=MAX_SECONDS,
        description="OpenMetadata session lifetime in seconds (OIDC_SESSION_EXPIRY). Default: 604800 (7 days).",
    )


class AuthorizerSpec(_Model):
    """Who is an admin and which domain principals belong to (`authorizerConfiguration`)."""

    admin_principals: list[PrincipalStr] = Field(
        min_length=1,
        max_length=MAX_LIST,
        description="Initial admins (AUTHORIZER_ADMIN_PRINCIPALS). User names or emails; emails are "
        "rendered as the part before '@', which is what OpenMetadata compares. Applied at server boot.",
    )
    principal_domain: str = Field(
        min_length=1, max_length=MAX_SHORT, pattern=DOMAIN_RE,
        description="Bare email domain of the users, e.g. company.com (AUTHORIZER_PRINCIPAL_DOMAIN).",
    )
    enforce_principal_domain: bool = Field(
        default=False,
        description="Only allow principals of principalDomain (AUTHORIZER_ENFORCE_PRINCIPAL_DOMAIN). A wrong "
        "domain with enforcement on locks everybody out. Default: false.",
    )
    enable_secure_socket_connection: bool = Field(
        default=False,
        description="Enable TLS for the server's socket connections (AUTHORIZER_ENABLE_SECURE_SOCKET). "
        "Default: false.",
    )


class HelmValuesTarget(_Model):
    """Where to store Helm values for the official OpenMetadata chart (for a Flux HelmRelease valuesFrom)."""

    kind: ValuesKind = Field(default=ValuesKind.SECRET, description="Secret or ConfigMap. Default: Secret.")
    name: NameStr = Field(description="Name of the Secret or ConfigMap the operator writes and owns.")
    key: str = Field(
        default="values.yaml", min_length=1, max_length=MAX_NAME, pattern=SECRET_KEY_RE,
        description="Key holding the values document. Default: values.yaml.",
    )


class TargetSpec(_Model):
    """What the operator renders and which workload it restarts; all in the CognitoSSO's namespace."""

    kind: TargetKind = Field(default=TargetKind.DEPLOYMENT, description="Workload kind: Deployment or "
                             "StatefulSet. Default: Deployment.")
    deployment_name: NameStr | None = Field(
        default=None, description="Name of the OpenMetadata Deployment to restart on change. Default: "
        "openmetadata.",
    )
    name: NameStr | None = Field(default=None, description="Workload name when kind is StatefulSet "
                                 "(deploymentName also accepted).")
    config_map_name: NameStr | None = Field(
        default=None, description="ConfigMap of non-secret env keys. Default: <name>-sso-env.",
    )
    credentials_secret_name: NameStr | None = Field(
        default=None, description="Secret with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET. Default: "
        "<name>-sso-credentials.",
    )
    helm_values: HelmValuesTarget | None = Field(
        default=None, description="Also write Helm values for the official OpenMetadata chart. Default: "
        "not written.",
    )
    restart_policy: RestartPolicy = Field(
        default=RestartPolicy.ON_CHANGE,
        description="OnChange: restart the workload when the rendered config hash changes. Never: render "
        "only. Default: OnChange.",
    )
    stored_config: StoredConfig = Field(
        default=StoredConfig.KEEP,
        description="OpenMetadata >= 1.10 keeps SSO settings in its database. Reset: run "
        "remove-security-config before the restart so the rendered config applies. Default: Keep.",
    )
    service_url: UrlStr | None = Field(
        default=None, description="In-cluster URL of OpenMetadata for the config drift check: a Service in this "
        "namespace (http://<service>.<namespace>.svc:8585) or the serverUrl host. Default: "
        "http://<workload name>.<namespace>.svc:8585.",
    )

    @property
    def workload_name(self) -> str:
        return self.name or self.deployment_name or "openmetadata"


class CognitoSSOSpec(_Model):
    """Desired AWS Cognito SSO configuration of one OpenMetadata server."""

    provider_name: str = Field(
        default="Cognito", max_length=MAX_SHORT, pattern=NO_CONTROL_CHARS,
        description="Display name of this SSO configuration (CUSTOM_OIDC_AUTHENTICATION_PROVIDER_NAME). "
        "Default: Cognito.",
    )
    client_type: ClientType = Field(
        default=ClientType.CONFIDENTIAL,
        description="Confidential (server-side code flow with a client secret) or Public. "
        "Default: Confidential.",
    )
    authority: str = Field(
        min_length=1, max_length=MAX_URL,
        description="The user pool issuer: https://cognito-idp.<region>.amazonaws.com/<poolId> "
        "(AUTHENTICATION_AUTHORITY), no trailing slash.",
    )
    public_key_urls: list[UrlStr] = Field(
        default_factory=list, max_length=MAX_LIST,
        description="JWKS URLs that sign accepted tokens (AUTHENTICATION_PUBLIC_KEYS). Default: the pool's "
        "JWKS plus <serverUrl>/api/v1/system/config/jwks (OpenMetadata needs both).",
    )
    token_validation_algorithm: TokenValidationAlgorithm = Field(
        default=TokenValidationAlgorithm.RS256,
        description="Algorithm for validating token signatures (AUTHENTICATION_TOKEN_VALIDATION_ALGORITHM). "
        "Default: RS256.",
    )
    jwt_principal_claims: list[ClaimStr] = Field(
        default_factory=lambda: ["email", "cognito:username", "sub"], min_length=1, max_length=MAX_LIST,
        description="Claims tried in order to find the user (AUTHENTICATION_JWT_PRINCIPAL_CLAIMS). Default: "
        "[email, cognito:username, sub].",
    )
    jwt_principal_claims_mapping: list[ClaimStr] = Field(
        default_factory=list, max_length=MAX_LIST,
        description="Empty, or exactly username:<claim> and email:<claim> "
        "(AUTHENTICATION_JWT_PRINCIPAL_CLAIMS_MAPPING). Claims cannot contain ':'. Default: empty.",
    )
    oidc: OidcSpec = Field(description="OIDC client settings.")
    authorizer: AuthorizerSpec = Field(description="Admins and principal domain.")
    target: TargetSpec = Field(default_factory=TargetSpec, description="What to render and restart.")

    # ---- derived values (the defaults users should not have to type) ----
    @property
    def pool_id(self) -> str:
        return self.authority.rstrip("/").rsplit("/", 1)[-1]

    @property
    def region(self) -> str:
        return self.pool_id.split("_", 1)[0]

    @property
    def discovery_uri(self) -> str:
        return self.oidc.discovery_uri or f"{self.authority}/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        return f"{self.authority}/.well-known/jwks.json"

    @property
    def tenant(self) -> str:
        return self.oidc.tenant or self.pool_id

    @property
    def server_url(self) -> str:
        return self.oidc.server_url.rstrip("/")

    @property
    def callback_url(self) -> str:
        return self.oidc.callback_url or f"{self.server_url}/callback"

    @property
    def effective_public_key_urls(self) -> list[str]:
        return self.public_key_urls or [self.jwks_uri, f"{self.server_url}/api/v1/system/config/jwks"]

    @property
    def is_confidential(self) -> bool:
        return self.client_type is ClientType.CONFIDENTIAL

    @property
    def admin_usernames(self) -> list[str]:
        """OpenMetadata compares admins with the user name it derives (the part before '@')."""
        out: list[str] = []
        for p in self.authorizer.admin_principals:
            name = p.split("@", 1)[0].lower() if "@" in p else p
            if name not in out:
                out.append(name)
        return out


def has_control_chars(value: str) -> bool:
    return _NO_CONTROL.fullmatch(value) is None  # fullmatch: `$` alone also matches before a final newline


# ---- cross-field rules: one declaration each, CEL for admission, message for both paths ----
# Notes from applying the CRD to a real kube-apiserver (v1.34):
# * CEL string literals do not accept regex escapes such as '\.': regexes go through `_cel_str`.
# * Fields the CRD does not default (all optional ones) must be guarded with has() before use.
# * Comparing two strings the cost estimator cannot bound (e.g. two url().getHostname() results)
#   exceeds the CRD cost budget; compare bounded strings (split() parts of bounded fields) instead.
def _cel_str(value: str) -> str:
    """A CEL single-quoted string literal holding `value` (backslashes and quotes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Scopes Cognito knows besides resource-server scopes (<resourceServerIdentifier>/<scopeName>).
COGNITO_STANDARD_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")

_URL_OK = (
    "isURL({f}) && url({f}).getHostname() != '' && (url({f}).getScheme() == 'https' || "
    "(url({f}).getScheme() == 'http' && url({f}).getHostname() in "
    + "[" + ", ".join(_cel_str(h) for h in LOCAL_HOSTS) + "]))"
)
SPEC_RULES: list[Rule] = [
    Rule(
        "authority-format",
        f"self.authority.matches({_cel_str(AUTHORITY_RE)})",
        "spec.authority must be exactly https://cognito-idp.<region>.amazonaws.com/<userPoolId> "
        "(for example https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ABC123DEF), with no path "
        "after the pool id and no trailing slash",
        "spec.authority",
    ),
    Rule(
        "authority-region",
        f"!self.authority.matches({_cel_str(AUTHORITY_RE)}) || "
        "self.authority.split('/')[3].split('_')[0] == self.authority.split('/')[2].split('.')[1]",
        "spec.authority: the user pool id's region prefix must equal the region in the host name "
        "(cognito-idp.<region>.amazonaws.com/<region>_...)",
        "spec.authority",
    ),
    Rule(
        "tenant-pool",
        "!has(self.oidc.tenant) || self.oidc.tenant == '' || "
        "self.authority.endsWith('/' + self.oidc.tenant)",
        "spec.oidc.tenant must equal the user pool id in spec.authority; remove it to use the default",
        "spec.oidc.tenant",
    ),
    Rule(
        "discovery-pool",
        "!has(self.oidc.discoveryUri) || self.oidc.discoveryUri == self.authority + "
        "'/.well-known/openid-configuration'",
        "spec.oidc.discoveryUri must belong to the same user pool: <authority>/.well-known/"
        "openid-configuration; remove it to use the default",
        "spec.oidc.discoveryUri",
    ),
    Rule(
        "confidential-secret",
        "(has(self.clientType) && self.clientType != 'Confidential') || has(self.oidc.clientSecretRef)",
        "spec.oidc.clientSecretRef is required for a Confidential client: name the Secret and key that hold "
        "the app client secret",
        "spec.oidc.clientSecretRef",
    ),
    Rule(
        "public-no-secret",
        "!has(self.clientType) || self.clientType != 'Public' || !has(self.oidc.clientSecretRef)",
        "spec.oidc.clientSecretRef must not be set for a Public client: remove it, or set clientType: "
        "Confidential",
        "spec.oidc.clientSecretRef",
    ),
    Rule(
        "confidential-code",
        "(has(self.clientType) && self.clientType != 'Confidential') || !has(self.oidc.responseType) || "
        "self.oidc.responseType == 'code'",
        "spec.oidc.responseType must be code for a Confidential client: the server exchanges the "
        "authorization code using the client secret, and Cognito's authorize endpoint does not return an "
        "id_token alone",
        "spec.oidc.responseType",
    ),
    Rule(
        "mapping-shape",
        "!has(self.jwtPrincipalClaimsMapping) || size(self.jwtPrincipalClaimsMapping) == 0 || "
        "(size(self.jwtPrincipalClaimsMapping) == 2 && "
        "self.jwtPrincipalClaimsMapping.exists_one(m, m.startsWith('username:')) && "
        "self.jwtPrincipalClaimsMapping.exists_one(m, m.startsWith('email:')))",
        "spec.jwtPrincipalClaimsMapping must be empty or hold exactly one username:<claim> and one "
        "email:<claim> and nothing else (OpenMetadata rejects other keys such as name: or firstName:)",
        "spec.jwtPrincipalClaimsMapping",
    ),
    Rule(
        "mapping-items",
        "!has(self.jwtPrincipalClaimsMapping) || self.jwtPrincipalClaimsMapping.all(m, "
        f"m.matches({_cel_str(CLAIM_MAPPING_RE)}))",
        "spec.jwtPrincipalClaimsMapping entries must look like username:<claim> or email:<claim>, where the "
        "claim has only letters, digits, '_' and '-' (no ':', so cognito:username cannot be mapped; list it "
        "in jwtPrincipalClaims instead)",
        "spec.jwtPrincipalClaimsMapping",
    ),
    Rule(
        "server-url-https",
        _URL_OK.format(f="self.oidc.serverUrl"),
        "spec.oidc.serverUrl must be an absolute https:// URL with a host name (http is allowed only for "
        "localhost)",
        "spec.oidc.serverUrl",
    ),
    Rule(
        "callback-url-https",
        "!has(self.oidc.callbackUrl) || (" + _URL_OK.format(f="self.oidc.callbackUrl") + ")",
        "spec.oidc.callbackUrl must be an absolute https:// URL with a host name (http is allowed only for "
        "localhost)",
        "spec.oidc.callbackUrl",
    ),
    Rule(
        "callback-host",
        "!has(self.oidc.callbackUrl) || !isURL(self.oidc.callbackUrl) || !isURL(self.oidc.serverUrl) || "
        "size(self.oidc.callbackUrl.split('/')) < 3 || size(self.oidc.serverUrl.split('/')) < 3 || "
        "self.oidc.callbackUrl.split('/')[2] == self.oidc.serverUrl.split('/')[2]",
        "spec.oidc.callbackUrl must be on the same host (and port) as spec.oidc.serverUrl (OpenMetadata "
        "serves the callback itself); remove it to use <serverUrl>/callback",
        "spec.oidc.callbackUrl",
    ),
    Rule(
        "admin-domain",
        "!has(self.authorizer.enforcePrincipalDomain) || !self.authorizer.enforcePrincipalDomain || "
        "self.authorizer.adminPrincipals.all(p, "
        "!p.contains('@') || p.endsWith('@' + self.authorizer.principalDomain))",
        "spec.authorizer.adminPrincipals: with enforcePrincipalDomain true, every admin email must be in "
        "spec.authorizer.principalDomain, or the admins are locked out",
        "spec.authorizer.adminPrincipals",
    ),
    Rule(
        "public-key-urls",
        "!has(self.publicKeyUrls) || size(self.publicKeyUrls) == 0 || "
        "self.publicKeyUrls.exists(u, u == self.authority + '/.well-known/jwks.json')",
        "spec.publicKeyUrls must include the user pool's JWKS, <authority>/.well-known/jwks.json; remove the "
        "field to use the default (the pool's JWKS plus OpenMetadata's own)",
        "spec.publicKeyUrls",
    ),
]

PROMPT_MESSAGE = (
    "spec.oidc.prompt must be login, select_account or empty: OpenMetadata rejects 'none' for every "
    "provider and 'consent' for Cognito"
)

OIDC_RULES: list[Rule] = [
    Rule(
        "prompt-values",
        "!has(self.prompt) || self.prompt in ['', 'login', 'select_account']",
        PROMPT_MESSAGE,
        "spec.oidc.prompt",
    ),
    Rule(
        "scopes-openid",
        "!has(self.scopes) || 'openid' in self.scopes",
        "spec.oidc.scopes must include openid",
        "spec.oidc.scopes",
    ),
    Rule(
        "scopes-groups",
        "!has(self.scopes) || !('groups' in self.scopes)",
        "spec.oidc.scopes: 'groups' is not a Cognito scope (Cognito answers invalid_scope); remove it, "
        "group membership arrives in the cognito:groups claim",
        "spec.oidc.scopes",
    ),
    Rule(
        "scopes-cognito",
        "!has(self.scopes) || self.scopes.all(s, s == 'groups' || s in ["
        + ", ".join(_cel_str(s) for s in COGNITO_STANDARD_SCOPES)
        + "] || (s.contains('/') && !s.startsWith('/') && !s.endsWith('/')))",
        "spec.oidc.scopes may hold only openid, email, phone, profile, aws.cognito.signin.user.admin and "
        "resource-server scopes <resourceServerIdentifier>/<scopeName>; Cognito answers invalid_scope for "
        "anything else (offline_access is not needed: Cognito always issues a refresh token)",
        "spec.oidc.scopes",
    ),
    Rule(
        "scopes-unique",
        "!has(self.scopes) || self.scopes.all(s, self.scopes.exists_one(t, t == s))",
        "spec.oidc.scopes must not list a scope twice",
        "spec.oidc.scopes",
    ),
]


TARGET_RULES: list[Rule] = [
    Rule(
        "target-name",
        "!has(self.name) || !has(self.deploymentName) || self.name == self.deploymentName",
        "spec.target.name and spec.target.deploymentName name the same workload: set only one of them",
        "spec.target.name",
    ),
]

ROOT_RULES: list[Rule] = [
    Rule(
        "name-length",
        "size(self.metadata.name) <= 200",
        "metadata.name must be at most 200 characters: the operator derives child object names from it",
        "metadata.name",
    ),
]


# ---- status ----
class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class Condition(_Model):
    """A kstatus-compatible condition (the metav1.Condition shape)."""

    type: str = Field(max_length=64, description="Condition type, e.g. Ready, Reconciling, Stalled.")
    status: ConditionStatus = Field(description="True, False or Unknown.")
    reason: str = Field(max_length=128, description="CamelCase machine-readable reason.")
    message: str = Field(default="", max_length=4096, description="Human-readable explanation.")
    last_transition_time: str = Field(description="When the status last changed (RFC 3339).")
    observed_generation: int | None = Field(default=None, ge=0,
                                            description="The .metadata.generation this condition is about.")


class DiscoveredEndpoints(_Model):
    """What the user pool's discovery document advertised at the last successful check."""

    issuer: str | None = Field(default=None, max_length=MAX_URL, description="Issuer of the user pool.")
    jwks_uri: str | None = Field(default=None, max_length=MAX_URL, description="JWKS URL of the user pool.")
    authorization_endpoint: str | None = Field(default=None, max_length=MAX_URL,
                                               description="Hosted UI authorize endpoint.")
    token_endpoint: str | None = Field(default=None, max_length=MAX_URL, description="Token endpoint.")
    userinfo_endpoint: str | None = Field(default=None, max_length=MAX_URL, description="UserInfo endpoint.")


class RenderedObjects(_Model):
    """Names of the objects the operator rendered and owns."""

    config_map: str | None = Field(default=None, max_length=MAX_NAME, description="Env ConfigMap.")
    credentials_secret: str | None = Field(default=None, max_length=MAX_NAME,
                                           description="Secret with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
    helm_values: str | None = Field(default=None, max_length=MAX_NAME,
                                    description="<Kind>/<name>:<key> of the Helm values document.")


class CognitoSSOStatus(_Model):
    """Observed state, written by the operator only."""

    observed_generation: int | None = Field(default=None, ge=0,
                                            description="Latest .metadata.generation the operator acted on.")
    conditions: list[Condition] = Field(default_factory=list, max_length=16,
                                        description="Ready, Reconciling, Stalled and the detail conditions.")
    config_hash: str | None = Field(default=None, max_length=128,
                                    description="Hash of everything rendered (client secret included).")
    applied_hash: str | None = Field(default=None, max_length=128,
                                     description="Config hash the workload was last restarted onto.")
    discovery: DiscoveredEndpoints | None = Field(default=None, description="Endpoints from discovery.")
    rendered: RenderedObjects | None = Field(default=None, description="What was rendered.")
    target: str | None = Field(default=None, max_length=MAX_NAME, description="<Kind>/<name> of the workload.")
    last_restart_time: str | None = Field(default=None, max_length=64,
                                          description="When the operator last restarted the workload.")
    last_reset_time: str | None = Field(default=None, max_length=64,
                                        description="When the stored OpenMetadata SSO config was last reset.")
    admin_usernames: list[str] = Field(default_factory=list, max_length=MAX_LIST,
                                       description="Admin principals as OpenMetadata compares them "
                                       "(email local parts).")
