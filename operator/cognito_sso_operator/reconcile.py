"""One reconcile, shared by create, update, resync, rotation and operator restart.

Level-triggered: it reads what is (the CognitoSSO, its Secret, Cognito's discovery, the children,
the workload), computes what should be, and writes only the difference. Nothing is written before
the spec, the Secret and the user pool have all checked out, so a bad change never replaces the
last good config and never restarts the application.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import redact, render, rollout, validate
from .discovery import DiscoveryCache, DiscoveryError, check_discovery
from .events import EventRecorder
from .kube import KubeClient, KubeError, object_path, path_for
from .metrics import Metrics
from .settings import Settings
from .spec import API_VERSION, KIND, CognitoSSOSpec, RestartPolicy, StoredConfig, has_control_chars
from .status import (
    APPLICATION_IN_SYNC,
    CONFIG_RENDERED,
    DISCOVERY_VALID,
    FALSE,
    READY,
    ROLLOUT_COMPLETE,
    SECRET_RESOLVED,
    SPEC_VALID,
    TRUE,
    UNKNOWN,
    Outcome,
    conditions_for,
    initial_conditions,
    now_rfc3339,
    status_patch,
)
from .workqueue import Key

logger = logging.getLogger(__name__)

WORKLOAD_API = {"Deployment": "apps/v1", "StatefulSet": "apps/v1"}


class ReverseIndex:
    """ref -> the CognitoSSOs that use it (a Secret, a workload), kept with its inverse so that moving or
    dropping one object is a dictionary lookup, not a scan of every ref."""

    def __init__(self) -> None:
        self.owners: dict[Any, set[Key]] = {}
        self._ref_of: dict[Key, Any] = {}

    def get(self, ref: Any) -> set[Key]:
        return self.owners.get(ref, set())

    def set(self, key: Key, ref: Any | None) -> None:
        old = self._ref_of.get(key)
        if old == ref:
            return
        if old is not None:
            owners = self.owners[old]
            owners.discard(key)
            if not owners:
                del self.owners[old]
            del self._ref_of[key]
        if ref is not None:
            self.owners.setdefault(ref, set()).add(key)
            self._ref_of[key] = ref


@dataclass
class Services:
    """Everything a reconcile needs, built once at start-up and handed around through kopf's memo."""

    settings: Settings
    kube: KubeClient
    discovery: DiscoveryCache
    events: EventRecorder
    metrics: Metrics
    http: httpx.AsyncClient  # for OpenMetadata's own config endpoint (not Cognito)
    bodies: dict[Key, dict[str, Any]] = field(default_factory=dict)
    essences: dict[Key, str] = field(default_factory=dict)
    secret_refs: ReverseIndex = field(default_factory=ReverseIndex)  # (ns, secret) -> CognitoSSOs
    targets: ReverseIndex = field(default_factory=ReverseIndex)  # (ns, kind, name) -> CognitoSSOs
    secret_digests: dict[Key, str] = field(default_factory=dict)  # CognitoSSO key -> client secret digest
    failures: dict[Key, int] = field(default_factory=dict)
    ready: dict[Key, str] = field(default_factory=dict)
    # boto3 cognito-idp clients by region, only when the AWS check is on and credentials exist.
    cognito_clients: dict[str, Any] | None = None
    app_client_checks: dict[tuple[Any, ...], tuple[float, list[validate.Problem]]] = field(default_factory=dict)

    def set_ready(self, key: Key, ready: str) -> None:
        """Track the object's Ready status; the objects gauge moves by one, not by a recount of every object."""
        previous = self.ready.get(key)
        if previous == ready:
            return
        if previous is not None:
            self.metrics.objects.labels(ready=previous).dec()
        self.ready[key] = ready
        self.metrics.objects.labels(ready=ready).inc()

    def forget(self, key: Key) -> None:
        """Drop everything kept about a deleted CognitoSSO."""
        for store in (self.bodies, self.essences, self.secret_digests, self.failures):
            store.pop(key, None)
        previous = self.ready.pop(key, None)
        if previous is not None:
            self.metrics.objects.labels(ready=previous).dec()
        self.secret_refs.set(key, None)
        self.targets.set(key, None)
        self.events.forget(key)


def owner_of(body: Mapping[str, Any]) -> dict[str, Any]:
    meta = body["metadata"]
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": meta["name"], "uid": meta["uid"],
                                                                  "namespace": meta["namespace"]}}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class _StopReconcileError(Exception):
    """Ends a reconcile early; the outcome says why, `retry_in` when to look again."""

    def __init__(self, retry_in: float | None) -> None:
        super().__init__()
        self.retry_in = retry_in


class Reconciler:
    def __init__(self, svc: Services, backoff: Any) -> None:
        self.svc = svc
        self._backoff = backoff  # callable(failures) -> seconds
        # Normal events of the running reconcile, posted when its writes are done (see _defer_event).
        self._deferred: dict[Key, list[tuple[Mapping[str, Any], str, str, bool]]] = {}

    async def __call__(self, key: Key) -> float | None:
        body = self.svc.bodies.get(key)
        if body is None or body["metadata"].get("deletionTimestamp"):
            return None
        started = time.perf_counter()
        outcome = Outcome()
        retry: float | None = None
        result = "ok"
        self._deferred[key] = []
        try:
            if not (body.get("status") or {}).get("conditions"):
                await self._write_initial_status(body)
            await self._reconcile(body, outcome)
            self.svc.failures.pop(key, None)
        except _StopReconcileError as stop:
            result = "stalled" if outcome.stalled else "retry"
            retry = stop.retry_in
        except (KubeError, httpx.HTTPError) as exc:
            result = "error"
            outcome.progress("APIError", f"Kubernetes API error, retrying: {exc}")
            retry = self._next_backoff(key)
        finally:
            self.svc.metrics.reconcile_duration.observe(time.perf_counter() - started)
        self.svc.metrics.reconciles.labels(result=result).inc()
        for event_body, reason, message, dedupe in self._deferred.pop(key, []):
            await self.svc.events.post(event_body, "Normal", reason, message, dedupe=dedupe)
        try:
            await self._write_status(key, outcome)
        except (KubeError, httpx.HTTPError) as exc:
            # The API is down or answered a conflict: not a crash (no traceback), try again with backoff.
            logger.warning("status of %s/%s not written, retrying: %s", *key, exc)
            if retry is None:
                retry = self._next_backoff(key)
        return retry

    def _defer_event(self, body: Mapping[str, Any], reason: str, message: str, *, dedupe: bool = True) -> None:
        """A Normal event of the success path, posted (in order) once the reconcile is done: posted on the spot,
        each one delayed the restart by an API round trip."""
        meta = body["metadata"]
        self._deferred.setdefault((meta["namespace"], meta["name"]), []).append((body, reason, message, dedupe))

    def _next_backoff(self, key: Key) -> float:
        n = self.svc.failures.get(key, 0) + 1
        self.svc.failures[key] = n
        return float(self._backoff(n))

    # ---- the steps ----
    async def _reconcile(self, body: dict[str, Any], outcome: Outcome) -> None:
        key: Key = (body["metadata"]["namespace"], body["metadata"]["name"])
        spec = await self._check_spec(key, body, outcome)
        secret = await self._resolve_secret(key, body, spec, outcome)
        await self._check_discovery(key, body, spec, outcome)
        await self._check_app_client(key, body, spec, secret, outcome)
        try:
            rendered = render.render(key[1], spec, secret)
        except render.RenderError as exc:
            outcome.set(CONFIG_RENDERED, FALSE, "RenderFailed", str(exc))
            outcome.stall("RenderFailed", f"{exc} The last good config stays in place.")
            raise _StopReconcileError(self._next_backoff(key)) from None
        outcome.fields["configHash"] = rendered.config_hash
        await self._apply_children(body, rendered, outcome)
        workload = await self._get_workload(key, body, spec, rendered, outcome)
        workload = await self._restart_if_needed(body, spec, rendered, workload, outcome)
        await self._check_application(body, spec, rendered, workload, outcome)

    async def _check_spec(self, key: Key, body: dict[str, Any], outcome: Outcome) -> CognitoSSOSpec:
        spec, problems = validate.parse_spec(body.get("spec") or {})
        if spec is not None and not problems:
            problems = validate.validate_static(spec, name=key[1])
        if spec is None or problems:
            message = "; ".join(f"{p.field}: {p.message}" if not p.message.startswith(p.field) else p.message
                                for p in problems)
            outcome.set(SPEC_VALID, FALSE, problems[0].reason if problems else "InvalidSpec", message)
            outcome.stall("InvalidSpec", f"The spec is invalid; the last good config stays in place. {message}")
            await self.svc.events.post(body, "Warning", "Rejected", message)
            raise _StopReconcileError(None)
        ref = spec.oidc.client_secret_ref
        self.svc.secret_refs.set(key, (key[0], ref.name) if ref else None)
        self.svc.targets.set(key, (key[0], spec.target.kind.value, spec.target.workload_name))
        admins = spec.authorizer.admin_principals
        msg = "The spec is valid."
        if any("@" in a for a in admins):
            msg += (" Admin principals given as emails are rendered as the user names OpenMetadata compares: "
                    + ", ".join(spec.admin_usernames) + ".")
        outcome.set(SPEC_VALID, TRUE, "Valid", msg)
        outcome.fields["adminUsernames"] = spec.admin_usernames
        return spec

    async def _resolve_secret(
        self, key: Key, body: dict[str, Any], spec: CognitoSSOSpec, outcome: Outcome,
    ) -> str | None:
        ref = spec.oidc.client_secret_ref
        if ref is None:
            outcome.set(SECRET_RESOLVED, TRUE, "NotRequired", "Public clients use no client secret.")
            return None
        secret = await self.svc.kube.get(path_for("v1", "Secret", key[0], ref.name))
        problem: tuple[str, str] | None = None
        value = ""
        if secret is None:
            problem = ("SecretNotFound", f"Secret {key[0]}/{ref.name} was not found: create it with the app client "
                       f"secret under key {ref.key!r}.")
        else:
            raw = (secret.get("data") or {}).get(ref.key)
            if raw is None:
                problem = ("SecretKeyNotFound", f"Secret {key[0]}/{ref.name} has no key {ref.key!r}: add it, or "
                           "point spec.oidc.clientSecretRef.key at the key that holds the client secret.")
            else:
                try:
                    value = base64.b64decode(raw).decode()
                except (binascii.Error, UnicodeDecodeError):
                    problem = ("SecretInvalid", f"Secret {key[0]}/{ref.name} key {ref.key!r} is not UTF-8 text.")
                if not problem and (not value.strip() or has_control_chars(value)):
                    problem = ("SecretInvalid", f"Secret {key[0]}/{ref.name} key {ref.key!r} is empty or holds "
                               "control characters (a trailing newline?); store the bare client secret.")
        if problem:
            outcome.set(SECRET_RESOLVED, FALSE, *problem)
            outcome.stall(*problem)
            await self.svc.events.post(body, "Warning", problem[0], problem[1])
            raise _StopReconcileError(self._next_backoff(key))
        redact.register(value)
        digest = _digest(value)
        previous = self.svc.secret_digests.get(key)
        if previous is not None and previous != digest:
            self.svc.metrics.rotations.inc()
            self._defer_event(body, "SecretRotated", f"The client secret in Secret {key[0]}/{ref.name} changed.")
        self.svc.secret_digests[key] = digest
        outcome.set(SECRET_RESOLVED, TRUE, "Resolved", f"Client secret read from Secret {key[0]}/{ref.name} "
                    f"key {ref.key!r}.")
        return value

    async def _check_discovery(self, key: Key, body: dict[str, Any], spec: CognitoSSOSpec,
                               outcome: Outcome) -> None:
        try:
            disc = await self.svc.discovery.get(spec.authority)
        except DiscoveryError as exc:
            outcome.set(DISCOVERY_VALID, FALSE, exc.reason.value, exc.message)
            await self.svc.events.post(body, "Warning", exc.reason.value, exc.message)
            if exc.retryable:
                delay = self._next_backoff(key)
                outcome.progress(exc.reason.value, f"{exc.message} Retrying in {delay:.0f}s; the last good config "
                                 "stays in place.")
                raise _StopReconcileError(delay) from None
            outcome.stall(exc.reason.value, exc.message)
            raise _StopReconcileError(self._next_backoff(key)) from None
        problems = check_discovery(
            disc,
            authority=spec.authority,
            token_validation_algorithm=spec.token_validation_algorithm.value,
            client_authentication_method=spec.oidc.client_authentication_method.value
            if spec.is_confidential else None,
            response_type=spec.oidc.response_type.value,
        )
        outcome.fields["discovery"] = {
            "issuer": disc.issuer, "jwksUri": disc.jwks_uri, "authorizationEndpoint": disc.authorization_endpoint,
            "tokenEndpoint": disc.token_endpoint, "userinfoEndpoint": disc.userinfo_endpoint,
        }
        if problems:
            message = " ".join(p.message for p in problems)
            outcome.set(DISCOVERY_VALID, FALSE, problems[0].reason.value, message)
            outcome.stall(problems[0].reason.value, message)
            await self.svc.events.post(body, "Warning", problems[0].reason.value, message)
            raise _StopReconcileError(self._next_backoff(key))
        keys = len(disc.jwks_keys)
        outcome.set(DISCOVERY_VALID, TRUE, "Valid", f"Issuer, JWKS ({keys} key{'' if keys == 1 else 's'}) and "
                    f"endpoints of {spec.pool_id} match the spec.")

    async def _check_app_client(self, key: Key, body: dict[str, Any], spec: CognitoSSOSpec, secret: str | None,
                                outcome: Outcome) -> None:
        """With AWS credentials (e.g. IRSA): the app client allows what the spec asks for, and the referenced
        Secret holds its current secret (a stale Secret after a rotation in Cognito locks users out)."""
        clients = self.svc.cognito_clients
        if clients is None:
            return
        cache_key = (spec.pool_id, spec.oidc.client_id, _digest(secret or ""), spec.callback_url,
                     tuple(spec.oidc.scopes), spec.client_type.value, spec.oidc.response_type.value)
        now = time.monotonic()
        cached = self.svc.app_client_checks.get(cache_key)
        if cached is not None and now - cached[0] < self.svc.settings.discovery_ttl_seconds:
            problems = cached[1]
        else:
            client = clients.get(spec.region)
            if client is None:
                client = clients[spec.region] = _cognito_client(spec.region, self.svc.settings)
            problems = await asyncio.to_thread(validate.check_app_client, spec, secret, client)
            if len(self.svc.app_client_checks) > 4096:
                self.svc.app_client_checks.clear()
            self.svc.app_client_checks[cache_key] = (now, problems)
        blocking = [p for p in problems if p.reason != "AppClientCheckFailed"]
        if not blocking:
            if problems:  # no permission to look: say so, but do not block the config on it
                cond = outcome.details[DISCOVERY_VALID]
                outcome.set(DISCOVERY_VALID, TRUE, cond.reason, f"{cond.message} {problems[0].message}")
            return
        message = " ".join(p.message for p in blocking)
        outcome.set(DISCOVERY_VALID, FALSE, blocking[0].reason, message)
        outcome.stall(blocking[0].reason, f"{message} The last good config stays in place.")
        await self.svc.events.post(body, "Warning", blocking[0].reason, message)
        raise _StopReconcileError(self._next_backoff(key))

    async def _apply_children(self, body: dict[str, Any], rendered: render.Rendered, outcome: Outcome) -> None:
        owner = owner_of(body)
        ns = body["metadata"]["namespace"]
        children = [child for child in (
            render.build_config_map(rendered, ns, owner),
            render.build_credentials_secret(rendered, ns, owner),
            render.build_helm_values_object(rendered, ns, owner),
        ) if child is not None]
        # All reads in one round trip, all writes in one: each sequential request delays the restart. Every
        # child is checked for a name conflict before any is written.
        lives = await asyncio.gather(*(self.svc.kube.get(object_path(child)) for child in children))
        for child, live in zip(children, lives, strict=True):
            conflict = _foreign_owner(live, body["metadata"]["uid"])
            if conflict:
                message = (f"{child['kind']} {ns}/{child['metadata']['name']} exists and is not owned by this "
                           f"CognitoSSO ({conflict}); rename spec.target's object or delete it.")
                outcome.set(CONFIG_RENDERED, FALSE, "NameConflict", message)
                outcome.stall("NameConflict", message)
                await self.svc.events.post(body, "Warning", "NameConflict", message)
                raise _StopReconcileError(self._next_backoff((ns, body["metadata"]["name"])))
        stale = [child for child, live in zip(children, lives, strict=True)
                 if live is None or not _matches(live, child)]
        results = await asyncio.gather(*(self.svc.kube.apply(child) for child in stale), return_exceptions=True)
        written = []
        for child, applied in zip(stale, results, strict=True):
            if not isinstance(applied, BaseException):
                self.svc.metrics.writes.labels(kind=child["kind"]).inc()
                written.append(f"{child['kind']}/{child['metadata']['name']}")
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed
        names = rendered.names
        outcome.fields["rendered"] = {
            "configMap": names.config_map,
            "credentialsSecret": names.credentials_secret,
            "helmValues": f"{names.helm_values[0]}/{names.helm_values[1]}:{names.helm_values[2]}"
            if names.helm_values else None,
        }
        if written:
            self._defer_event(body, "Rendered", f"Wrote {', '.join(written)} (config hash "
                              f"{rendered.config_hash[:12]}).", dedupe=False)
        outcome.set(CONFIG_RENDERED, TRUE, "Rendered", f"Config hash {rendered.config_hash[:12]} is in "
                    f"ConfigMap {names.config_map}" + (f" and Secret {names.credentials_secret}"
                                                       if names.credentials_secret else "") + ".")

    async def _get_workload(self, key: Key, body: dict[str, Any], spec: CognitoSSOSpec,
                            rendered: render.Rendered, outcome: Outcome) -> dict[str, Any]:
        kind, name = spec.target.kind.value, spec.target.workload_name
        outcome.fields["target"] = f"{kind}/{name}"
        workload = await self.svc.kube.get(path_for(WORKLOAD_API[kind], kind, key[0], name))
        if workload is None:
            message = (f"{kind} {key[0]}/{name} was not found. The config is rendered; the operator restarts the "
                       "workload as soon as it appears (set spec.target to name the OpenMetadata workload).")
            outcome.set(ROLLOUT_COMPLETE, FALSE, "TargetNotFound", message)
            delay = self._next_backoff(key)
            outcome.progress("TargetNotFound", message)
            await self.svc.events.post(body, "Warning", "TargetNotFound", message)
            raise _StopReconcileError(delay)
        return workload

    async def _restart_if_needed(self, body: dict[str, Any], spec: CognitoSSOSpec, rendered: render.Rendered,
                                 workload: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
        current = rollout.current_hash(workload)
        wanted = rendered.config_hash
        kind, name = workload["kind"], workload["metadata"]["name"]
        if current == wanted:
            return workload
        if spec.target.restart_policy is RestartPolicy.NEVER:
            outcome.set(ROLLOUT_COMPLETE, FALSE, "RestartDisabled",
                        f"restartPolicy is Never: {kind}/{name} still runs config "
                        f"{(current or 'none')[:12]}, rendered is {wanted[:12]}. Restart it yourself "
                        f"(kubectl rollout restart {kind.lower()}/{name}).")
            return workload
        if spec.target.stored_config is StoredConfig.RESET:
            await self._reset_stored_config(body, rendered, workload, outcome)
        meta = body["metadata"]
        seen = self.svc.bodies.get((meta["namespace"], meta["name"]))
        if seen is None or seen["metadata"].get("uid") != meta.get("uid") or seen["metadata"].get("deletionTimestamp"):
            # Deleted (or replaced) while this reconcile ran: garbage collection undoes the children, but a restart
            # cannot be undone, so none for an object that is gone.
            raise _StopReconcileError(None)
        applied = await self.svc.kube.apply(rollout.build_hash_patch(workload, wanted))
        self.svc.metrics.restarts.inc()
        self.svc.metrics.writes.labels(kind=kind).inc()
        now = now_rfc3339()
        outcome.fields["lastRestartTime"] = now
        outcome.fields["appliedHash"] = wanted
        self._defer_event(body, "Restarted", f"Restarted {kind}/{name} onto config hash "
                          f"{wanted[:12]} (was {(current or 'none')[:12]}).", dedupe=False)
        return applied

    async def _reset_stored_config(self, body: dict[str, Any], rendered: render.Rendered,
                                   workload: dict[str, Any], outcome: Outcome) -> None:
        key: Key = (body["metadata"]["namespace"], body["metadata"]["name"])
        job_name = rollout.reset_job_name(key[1], rendered.config_hash)
        job_path = path_for("batch/v1", "Job", key[0], job_name)
        job = await self.svc.kube.get(job_path)
        if job is None:
            job = rollout.build_reset_job(workload, key[1], rendered.config_hash, owner_of(body))
            try:
                await self.svc.kube.create(path_for("batch/v1", "Job", key[0]), job)
            except KubeError as exc:
                if exc.status != 409:
                    raise
            self.svc.metrics.writes.labels(kind="Job").inc()
            self._defer_event(body, "ResetJobStarted", f"Started Job {job_name} to remove "
                              "OpenMetadata's stored SSO config before the restart.")
            outcome.progress("ResetJobRunning", f"Waiting for Job {job_name} (remove-security-config).")
            raise _StopReconcileError(5.0)
        state = rollout.job_state(job)
        if state == "Running":
            outcome.progress("ResetJobRunning", f"Waiting for Job {job_name} (remove-security-config).")
            raise _StopReconcileError(5.0)
        if state == "Failed":
            message = (f"Job {job_name} (remove-security-config) failed: the workload was not restarted. Check the "
                       f"Job's logs (kubectl logs job/{job_name}); delete the Job to try again.")
            outcome.set(ROLLOUT_COMPLETE, FALSE, "ResetJobFailed", message)
            outcome.stall("ResetJobFailed", message)
            await self.svc.events.post(body, "Warning", "ResetJobFailed", message)
            raise _StopReconcileError(self._next_backoff(key))
        completion = (job.get("status") or {}).get("completionTime") or now_rfc3339()
        outcome.fields["lastResetTime"] = completion
        self._defer_event(body, "ResetJobSucceeded", f"Job {job_name} removed OpenMetadata's "
                          "stored SSO config; restarting onto the rendered config.")

    async def _check_application(self, body: dict[str, Any], spec: CognitoSSOSpec, rendered: render.Rendered,
                                 workload: dict[str, Any], outcome: Outcome) -> None:
        if spec.target.restart_policy is RestartPolicy.NEVER and rollout.current_hash(workload) != \
                rendered.config_hash:
            outcome.set(APPLICATION_IN_SYNC, UNKNOWN, "RestartDisabled", "Not checked: the workload was not "
                        "restarted onto the rendered config.")
            return
        complete, message = rollout.rollout_state(workload, rendered.config_hash)
        outcome.set(ROLLOUT_COMPLETE, TRUE if complete else FALSE, "RolloutComplete" if complete else
                    "RolloutInProgress", message)
        if not complete:
            outcome.set(APPLICATION_IN_SYNC, UNKNOWN, "WaitingForRollout", "Checked once the rollout completes.")
            return
        if not self.svc.settings.app_check:
            outcome.set(APPLICATION_IN_SYNC, UNKNOWN, "CheckDisabled", "The application config check is off.")
            return
        url, refused = rollout.app_check_url(spec.target.service_url, spec.target.workload_name,
                                             body["metadata"]["namespace"], spec.server_url,
                                             self.svc.settings.app_check_extra_hosts)
        if url is None:
            outcome.set(APPLICATION_IN_SYNC, UNKNOWN, "ServiceUrlRefused", refused)
            return
        try:
            served = await self._read_served_config(url)
        except (httpx.HTTPError, ValueError, TimeoutError) as exc:
            outcome.set(APPLICATION_IN_SYNC, UNKNOWN, "ApplicationUnreachable",
                        f"Could not read {url}: {type(exc).__name__}. Set spec.target.serviceUrl to OpenMetadata's "
                        "in-cluster URL.")
            return
        drift = rollout.app_drift(served, rendered.env)
        if drift:
            message = ("OpenMetadata serves an SSO config that differs from the rendered one (" + "; ".join(drift)
                       + "). OpenMetadata >= 1.10 keeps SSO settings in its database and ignores env changes: "
                       "set spec.target.storedConfig: Reset, or run ./bootstrap/openmetadata-ops.sh "
                       "remove-security-config --force and restart.")
            outcome.set(APPLICATION_IN_SYNC, FALSE, "StoredConfigDiffers", message)
            await self.svc.events.post(body, "Warning", "StoredConfigDiffers", message)
        else:
            outcome.set(APPLICATION_IN_SYNC, TRUE, "InSync", "OpenMetadata serves the rendered SSO config.")

    async def _read_served_config(self, url: str) -> dict[str, Any]:
        """GET the served auth config with one deadline for the whole request and a size cap: the URL comes from
        the spec, and a server there that drips bytes or never ends its body must not hold this reconcile."""
        cfg = self.svc.settings
        body = bytearray()
        async with asyncio.timeout(cfg.app_check_timeout_seconds):
            async with self.svc.http.stream("GET", url, timeout=cfg.app_check_timeout_seconds) as resp:
                resp.raise_for_status()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > cfg.max_response_bytes:
                        raise ValueError("response too large")
        served = json.loads(bytes(body))
        if not isinstance(served, dict):
            raise ValueError("not a JSON object")
        return served

    # ---- status ----
    async def _write_initial_status(self, body: dict[str, Any]) -> None:
        meta = body["metadata"]
        patch = status_patch({}, initial_conditions(), None, {})
        await self._patch_status(body, patch or {})
        logger.info("first visit: initial status written", extra={"k8s_ref": _ref(meta["namespace"], meta["name"])})

    async def _write_status(self, key: Key, outcome: Outcome) -> None:
        body = self.svc.bodies.get(key)
        if body is None:
            return
        old = body.get("status") or {}
        conds = conditions_for(outcome)
        fields = {k: _as_stored(v, old.get(k)) for k, v in outcome.fields.items() if v is not None}
        patch = status_patch(old, conds, body["metadata"].get("generation"), fields)
        ready = next(c for c in conds if c.type == READY)
        self.svc.set_ready(key, ready.status)
        log = logging.INFO if ready.status == TRUE else logging.WARNING
        logger.log(log, "reconciled: %s %s", ready.reason, ready.message[:300],
                   extra={"k8s_ref": _ref(*key), "ready": ready.status, "reason": ready.reason,
                          "configHash": outcome.fields.get("configHash"), "statusWritten": patch is not None})
        if patch:
            await self._patch_status(body, patch)

    async def _patch_status(self, body: dict[str, Any], patch: dict[str, Any]) -> None:
        meta = body["metadata"]
        path = path_for(API_VERSION, KIND, meta["namespace"], meta["name"]) + "/status"
        try:
            updated = await self.svc.kube.merge_patch(path, {"status": patch})
        except KubeError as exc:
            if exc.status == 404:
                return
            raise
        self.svc.metrics.writes.labels(kind="CognitoSSO/status").inc()
        key: Key = (meta["namespace"], meta["name"])
        if key in self.svc.bodies and updated:
            # Keep our view current so the next visit compares against what we wrote.
            self.svc.bodies[key] = updated


def _cognito_client(region: str, settings: Settings) -> Any:
    import boto3  # optional dependency (extra "aws"); only imported when the check is on

    return boto3.client("cognito-idp", region_name=region, endpoint_url=settings.cognito_endpoint_url or None)


def aws_check_available(settings: Settings) -> bool:
    """The control-plane check runs only when asked for and when AWS credentials are present."""
    if not settings.aws_control_plane_check:
        return False
    try:
        import boto3
    except ImportError:
        logger.warning("COGNITO_SSO_AWS_CHECK is on but boto3 is not installed; skipping the app client check")
        return False
    if boto3.Session().get_credentials() is None:
        logger.warning("COGNITO_SSO_AWS_CHECK is on but no AWS credentials were found; skipping the app client check")
        return False
    return True


def _ref(namespace: str, name: str) -> dict[str, str]:
    return {"namespace": namespace, "name": name}


def _as_stored(new: Any, old: Any) -> Any:
    """`new` as the API server stores it after our merge patch. A null member deletes, so it is kept only where
    the stored status still has that member: compared with a null the stored status never matches, and every
    reconcile (each resync of each object) would send a no-op status PATCH."""
    if not isinstance(new, dict):
        return new
    stored = old if isinstance(old, dict) else {}
    return {k: _as_stored(v, stored.get(k)) for k, v in new.items() if v is not None or k in stored}


def _foreign_owner(live: Mapping[str, Any] | None, uid: str) -> str | None:
    if live is None:
        return None
    refs = live["metadata"].get("ownerReferences") or []
    controller = next((r for r in refs if r.get("controller")), None)
    if controller is None:
        return "it has no controller owner"
    if controller.get("uid") != uid:
        return f"it is controlled by {controller.get('kind')}/{controller.get('name')}"
    return None


def _matches(live: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
    """True when every field we own already has our value (so resyncs write nothing)."""
    for field_name in ("data", "stringData", "type"):
        if field_name in want and live.get(field_name) != want[field_name]:
            return False
    lmeta, wmeta = live["metadata"], want["metadata"]
    for part in ("labels", "annotations"):
        have = lmeta.get(part) or {}
        if any(have.get(k) != v for k, v in (wmeta.get(part) or {}).items()):
            return False
    have_refs = {r.get("uid") for r in lmeta.get("ownerReferences") or []}
    return all(r.get("uid") in have_refs for r in wmeta.get("ownerReferences") or [])
