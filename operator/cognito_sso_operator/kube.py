"""A small async Kubernetes API client on httpx, with kopf's credentials.

Why not the `kubernetes` package: it is synchronous, and the operator writes with server-side
apply under its own field manager and streams a label-selected Secret watch; both are a few lines
over a shared httpx client. Errors never carry request bodies (they may hold secret data).
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import kopf

from .settings import FIELD_MANAGER

logger = logging.getLogger(__name__)

_CORE_KINDS = {"ConfigMap": "configmaps", "Secret": "secrets", "Event": "events", "Namespace": "namespaces"}
_PLURALS = {
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "Job": "jobs",
    "CognitoSSO": "cognitossos",
    **_CORE_KINDS,
}


class KubeError(Exception):
    """An API error with the server's status code and reason (never the request body)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.status in (409, 429) or self.status >= 500


def path_for(api_version: str, kind: str, namespace: str | None, name: str | None = None) -> str:
    plural = _PLURALS.get(kind) or kind.lower() + "s"
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    parts = [base]
    if namespace:
        parts.append(f"namespaces/{namespace}")
    parts.append(plural)
    if name:
        parts.append(name)
    return "/".join(parts)


def object_path(obj: Mapping[str, Any]) -> str:
    meta = obj["metadata"]
    return path_for(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])


def _pem(data: str | bytes) -> bytes:
    """kubeconfig `*-data` fields are base64 of PEM; accept plain PEM too."""
    raw = data if isinstance(data, bytes) else data.encode()
    return raw if raw.lstrip().startswith(b"-----BEGIN") else base64.b64decode(raw)


def _ssl_context(info: kopf.ConnectionInfo) -> ssl.SSLContext | bool:
    if info.insecure:
        return False
    ctx = ssl.create_default_context()
    if info.ca_path:
        ctx.load_verify_locations(cafile=info.ca_path)
    elif info.ca_data:
        ctx.load_verify_locations(cadata=_pem(info.ca_data).decode())
    cert: Any = info.certificate_path
    key: Any = info.private_key_path
    if info.certificate_data and info.private_key_data:
        # ssl needs files for client certificates; keep them in a private temp dir for the process life.
        tmp = tempfile.mkdtemp(prefix="cognito-sso-cert-")
        cert, key = f"{tmp}/tls.crt", f"{tmp}/tls.key"
        for path, blob in ((cert, info.certificate_data), (key, info.private_key_data)):
            with open(path, "wb") as f:
                f.write(_pem(blob))
    if cert and key:
        ctx.load_cert_chain(certfile=cert, keyfile=key)
    return ctx


def login() -> kopf.ConnectionInfo:
    """Same credentials as kopf itself: in-cluster service account first, else kubeconfig."""
    settings = kopf.OperatorSettings()
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(settings=settings)
    if info is None:
        raise RuntimeError("no Kubernetes credentials: set KUBECONFIG or run in a cluster")
    return info


class KubeClient:
    def __init__(self, info: kopf.ConnectionInfo, *, timeout: float = 10.0,
                 on_request: Callable[[str], None] | None = None) -> None:
        self._refreshable = info.token is not None and info.server == "https://kubernetes.default.svc"
        headers = {"Accept": "application/json", "User-Agent": "cognito-sso-operator"}
        auth: httpx.Auth | None = None
        if info.token:
            headers["Authorization"] = f"{info.scheme or 'Bearer'} {info.token}"
        elif info.username and info.password:
            auth = httpx.BasicAuth(info.username, info.password)
        self._client = httpx.AsyncClient(
            base_url=info.server,
            headers=headers,
            auth=auth,
            verify=_ssl_context(info),
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )
        self.requests = 0
        self.writes = 0
        self._on_request = on_request

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None,
        body: Any = None, content_type: str = "application/json",
    ) -> dict[str, Any]:
        self.requests += 1
        if method != "GET":
            self.writes += 1
        if self._on_request is not None:
            self._on_request(method)
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if content is not None else None
        try:
            resp = await self._client.request(method, path, params=params, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise KubeError(503, "Unavailable", f"{method} {path}: {type(exc).__name__}") from None
        if resp.status_code == 401 and self._refreshable:
            # Bound service-account tokens rotate on disk; pick up the new one and retry once.
            fresh = login()
            self._client.headers["Authorization"] = f"{fresh.scheme or 'Bearer'} {fresh.token}"
            resp = await self._client.request(method, path, params=params, content=content, headers=headers)
        if resp.status_code >= 400:
            raise _error(resp, method, path)
        data: dict[str, Any] = resp.json() if resp.content else {}
        return data

    async def get(self, path: str, *, params: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        try:
            return await self._request("GET", path, params=params)
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    async def apply(self, obj: Mapping[str, Any], *, subresource: str | None = None) -> dict[str, Any]:
        """Server-side apply under our field manager (force: we own these fields)."""
        path = object_path(obj) + (f"/{subresource}" if subresource else "")
        return await self._request(
            "PATCH", path, params={"fieldManager": FIELD_MANAGER, "force": "true"}, body=obj,
            content_type="application/apply-patch+yaml",
        )

    async def merge_patch(self, path: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        return await self._request(
            "PATCH", path, params={"fieldManager": FIELD_MANAGER}, body=patch,
            content_type="application/merge-patch+json",
        )

    async def create(self, path: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        return await self._request("POST", path, params={"fieldManager": FIELD_MANAGER}, body=obj)

    async def delete(self, path: str, *, propagation: str = "Background") -> None:
        try:
            await self._request("DELETE", path, body={"propagationPolicy": propagation})
        except KubeError as exc:
            if exc.status != 404:
                raise

    async def watch(
        self, path: str, *, params: Mapping[str, str], read_timeout: float,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield watch events; a stalled stream ends with httpx.ReadTimeout after `read_timeout`."""
        self.requests += 1
        if self._on_request is not None:
            self._on_request("WATCH")
        timeout = httpx.Timeout(10.0, read=read_timeout)
        async with self._client.stream("GET", path, params={**params, "watch": "1"}, timeout=timeout) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                raise _error(resp, "WATCH", path)
            async for line in resp.aiter_lines():
                if line.strip():
                    yield json.loads(line)


def _error(resp: httpx.Response, method: str, path: str) -> KubeError:
    reason, message = resp.reason_phrase, ""
    try:
        status = resp.json()
        reason = status.get("reason") or reason
        message = str(status.get("message", ""))[:500]
    except ValueError:
        message = resp.text[:200]
    return KubeError(resp.status_code, reason, f"{method} {path}: {message}")
