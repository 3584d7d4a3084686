"""The control plane is real: objects go through the API server, watches stream, kubectl works with the
written kubeconfig, and (when kube-controller-manager runs) Deployments get ReplicaSets and owned
objects are garbage-collected."""

from __future__ import annotations

import httpx
from kubernetes import client, watch

from cognito_sso_operator.envtest import ControlPlane

from .operator_harness import wait_for


def _deployment(name: str) -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="app", image="busybox:1.36")]),
            ),
        ),
    )


def test_objects_watch_and_kubectl(control_plane: ControlPlane, kube_api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(kube_api)
    apps = client.AppsV1Api(kube_api)

    # Watch from the list's resourceVersion, so the ADDED event of the ConfigMap is in the stream.
    rv = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(
        namespace,
        client.V1ConfigMap(metadata=client.V1ObjectMeta(name="smoke"), data={"hello": "world"}),
    )
    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=30):
        seen.append((event["type"], event["object"].metadata.name))
        if seen[-1] == ("ADDED", "smoke"):
            w.stop()
    assert ("ADDED", "smoke") in seen

    apps.create_namespaced_deployment(namespace, _deployment("smoke"))

    out = control_plane.kubectl("get", "namespace", namespace, "-o", "name").stdout
    assert f"namespace/{namespace}" in out
    out = control_plane.kubectl("get", "configmap,deployment", "-n", namespace, "-o", "name").stdout
    assert "configmap/smoke" in out
    assert "deployment.apps/smoke" in out
    data = control_plane.kubectl("get", "configmap", "smoke", "-n", namespace, "-o", "jsonpath={.data.hello}").stdout
    assert data == "world"

    if control_plane.controller_manager_running:

        def owned_replicaset() -> list[str]:
            rs = apps.list_namespaced_replica_set(namespace).items
            return [
                r.metadata.name
                for r in rs
                if any(o.kind == "Deployment" and o.name == "smoke" for o in r.metadata.owner_references or [])
            ]

        assert wait_for(owned_replicaset, timeout=60, interval=0.25, what="an owned ReplicaSet")


def test_controller_manager_runs_when_available(control_plane: ControlPlane) -> None:
    """A built kube-controller-manager must actually run; failing to start is logged, and caught here."""
    if control_plane.use_existing_cluster or control_plane.controller_manager_binary is None:
        return
    assert control_plane.controller_manager_running, control_plane.controller_manager_log


def test_garbage_collection_of_owned_objects(
    control_plane: ControlPlane, kube_api: client.ApiClient, namespace: str
) -> None:
    if not control_plane.controller_manager_running:
        return
    core = client.CoreV1Api(kube_api)
    owner = core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owner")))
    ref = client.V1OwnerReference(
        api_version="v1", kind="ConfigMap", name="owner", uid=owner.metadata.uid, controller=True
    )
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owned", owner_references=[ref]))
    )
    core.delete_namespaced_config_map("owner", namespace)

    def owned_gone() -> bool:
        names = [c.metadata.name for c in core.list_namespaced_config_map(namespace).items]
        return "owned" not in names

    assert wait_for(owned_gone, timeout=60, interval=0.25, what="garbage collection")


def test_restart_apiserver_keeps_data_and_port(
    control_plane: ControlPlane, kube_api: client.ApiClient, namespace: str
) -> None:
    if control_plane.use_existing_cluster:
        return
    core = client.CoreV1Api(kube_api)
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="survivor"), data={"k": "v"})
    )
    server = control_plane.server
    control_plane.restart_apiserver()
    assert control_plane.server == server
    assert core.read_namespaced_config_map("survivor", namespace).data == {"k": "v"}
    ready = httpx.get(
        f"{server}/readyz",
        verify=control_plane.ssl_context(),
        headers={"Authorization": f"Bearer {control_plane.admin_token}"},
    )
    assert ready.status_code == 200
