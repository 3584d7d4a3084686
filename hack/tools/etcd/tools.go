//go:build tools

// Package tools pins etcd, which kube-apiserver needs as its store in tests.
package tools

import _ "go.etcd.io/etcd/server/v3"
