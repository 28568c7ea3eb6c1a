// Package k8stest checks deploy/k8s against a real kube-apiserver and etcd built from the Go
// module proxy (scripts/kube.sh): both overlays render and pass a strict schema check and a
// server-side dry run, and the health service's Evictor (services/health/evict) keeps to its
// RBAC, to PodDisruptionBudgets and to its rate limit. Run it with `make test-k8s`.
//
// It is its own module, outside go.work, so that kustomize's and the API machinery's
// dependency versions never reach Novera's modules.
package k8stest
