//go:build tools

// Package tools pins the Kubernetes control-plane commands that the test harness builds.
// Only this file and go.mod/go.sum are ours; upstream code comes from the Go module proxy.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
