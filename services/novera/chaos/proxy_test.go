package chaos

import "testing"

// TestChaosThroughRESTProxy is TestChaos with the workers' Discord calls going through the
// REST proxy's two replicas (services/rest), which the harness kills and restarts too.
// Interaction answers must get through even while neither replica holds the lease (NATS
// down, or the active killed before the standby took over): the proxy sends them without
// it, since they are outside the bot's global limit.
func TestChaosThroughRESTProxy(t *testing.T) { runChaos(t, true) }
