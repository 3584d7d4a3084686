#!/usr/bin/env bash
# Build the control-plane tools the tests and the demo run for real, from Go modules pinned in
# hack/tools/{k8s,etcd,helm} at the versions in hack/versions.env:
#
#   kube-apiserver, kube-controller-manager, kubectl   (k8s.io/kubernetes at KUBERNETES_VERSION)
#   etcd                                               (go.etcd.io/etcd/server/v3 at ETCD_VERSION)
#   helm                                               (helm.sh/helm/v3 at HELM_VERSION)
#
# The binaries go into a tool dir outside the repository, keyed by the versions, so every clone on the
# same machine shares them:
#
#   ${COGNITO_SSO_TOOLS_DIR:-$HOME/.cache/cognito-sso-operator/tools/k8s-<ver>_etcd-<ver>_helm-<ver>}
#
# A binary is rebuilt only when it is missing or its stamp (version + hash of its wrapper module's
# go.mod/go.sum) changed. Builds run one at a time (the build machine has two cores) and are
# serialised across concurrent invocations with flock. If KUBEBUILDER_ASSETS is set, kube-apiserver and
# etcd come from there and are not built (helm, kubectl and kube-controller-manager still are).
#
# Usage: hack/build-tools.sh            build what is missing; the tool dir is the last line of stdout
#        hack/build-tools.sh --print-dir print the tool dir and exit (builds nothing)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
. "$ROOT/hack/versions.env"

TOOLS_DIR=${COGNITO_SSO_TOOLS_DIR:-$HOME/.cache/cognito-sso-operator/tools/k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}}

if [ "${1:-}" = "--print-dir" ]; then
    echo "$TOOLS_DIR"
    exit 0
fi

log() { echo "build-tools: $*" >&2; }

if ! command -v go >/dev/null 2>&1; then
    log "the Go toolchain is required (go not found on PATH)"
    exit 1
fi

mkdir -p "$TOOLS_DIR"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS_DIR/.lock"
    if ! flock -n 9; then
        log "another build-tools run holds $TOOLS_DIR/.lock; waiting"
        flock 9
    fi
fi

# Release-style version stamping, so `kubectl version`, the apiserver's /version and `helm version`
# report the real versions (Helm charts with kubeVersion constraints depend on it). Only the link step
# sees -X, so this does not invalidate Go's compile cache.
k8s_minor=${KUBERNETES_VERSION#v*.}
k8s_minor=${k8s_minor%%.*}
k8s_major=${KUBERNETES_VERSION#v}
k8s_major=${k8s_major%%.*}
K8S_LDFLAGS=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    K8S_LDFLAGS="$K8S_LDFLAGS -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$k8s_major"
    K8S_LDFLAGS="$K8S_LDFLAGS -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done
HELM_LDFLAGS="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"

module_hash() {
    (cd "$ROOT/hack/tools/$1" && cat go.mod go.sum tools.go | sha256sum | cut -c1-16)
}

# build NAME MODULE_DIR VERSION PACKAGE LDFLAGS
build() {
    local name=$1 module=$2 version=$3 pkg=$4 ldflags=$5
    local stamp
    stamp="$name $version $(module_hash "$module") $(go env GOVERSION)"
    if [ -x "$TOOLS_DIR/$name" ] && [ -f "$TOOLS_DIR/.$name.stamp" ] \
        && [ "$(cat "$TOOLS_DIR/.$name.stamp")" = "$stamp" ]; then
        log "$name $version: up to date"
        return 0
    fi
    log "$name $version: building $pkg (this takes minutes on a cold Go cache)"
    local start=$SECONDS
    rm -f "$TOOLS_DIR/.$name.stamp"
    (cd "$ROOT/hack/tools/$module" && go build -trimpath -ldflags "$ldflags" -o "$TOOLS_DIR/.$name.tmp" "$pkg")
    mv -f "$TOOLS_DIR/.$name.tmp" "$TOOLS_DIR/$name"
    echo "$stamp" >"$TOOLS_DIR/.$name.stamp"
    log "$name $version: built in $((SECONDS - start))s"
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
    log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS: using its kube-apiserver and etcd"
else
    build etcd etcd "$ETCD_VERSION" go.etcd.io/etcd/server/v3 ""
    build kube-apiserver k8s "$KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-apiserver "$K8S_LDFLAGS"
fi
build kube-controller-manager k8s "$KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-controller-manager "$K8S_LDFLAGS"
build kubectl k8s "$KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kubectl "$K8S_LDFLAGS"
build helm helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm "$HELM_LDFLAGS"

echo "$TOOLS_DIR"
