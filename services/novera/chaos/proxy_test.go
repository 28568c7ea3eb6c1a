//go:build chaosproxy

package chaos

import "testing"

// TestChaosThroughRESTProxy is TestChaos with the workers' Discord calls going through the
// REST proxy's two replicas (services/rest), which the harness kills and restarts too.
//
// It is built only with the chaosproxy tag (`make chaos` sets it), not in `make test`: it
// still fails now and then (a few of 600 slash commands never acknowledged when both
// replicas are down within a second of each other and a gateway restarts around them;
// issue 12 records the runs), and a test that fails by chance must not gate every change.
func TestChaosThroughRESTProxy(t *testing.T) { runChaos(t, true) }
