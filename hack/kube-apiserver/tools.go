//go:build tools

// Package tools pins kube-apiserver as a dependency of this wrapper module.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
