//go:build tools

// Package tools pins the helm CLI used by the chart tests and the demo.
// Only this file and go.mod/go.sum are ours; upstream code comes from the Go module proxy.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
