// Command kube-apiserver is the upstream kube-apiserver, built from the Go module proxy so that
// the Kubernetes manifests can be checked against a real API server (make test-k8s) on a machine
// that has no cluster and cannot download release binaries. It mirrors
// k8s.io/kubernetes/cmd/kube-apiserver, including its side-effect imports.
package main

import (
	"os"
	_ "time/tzdata" // upstream embeds it so CronJob time zones resolve on minimal images

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
