// Command etcd is the upstream etcd server, the storage kube-apiserver needs in make test-k8s.
// It lives in its own module so that etcd's dependency versions cannot shift those that
// k8s.io/kubernetes was released with.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
