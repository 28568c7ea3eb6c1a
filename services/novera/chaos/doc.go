// Package chaos is Novera's crash test. Its test (TestChaos) runs every service as a
// separate OS process, built from services/*/cmd/*: NATS and PostgreSQL (through
// cmd/chaosinfra), two gateways splitting the shards, and two replicas of each worker, all
// talking to the Discord simulator inside the test process. It drives thousands of mixed
// commands (slash and prefix, database writes, ledger changes, plain chat) while killing
// processes with SIGKILL at random moments and starting them again, and then checks that
// every command was answered exactly once, every database effect applied exactly once, and
// no interaction ran past Discord's 3-second deadline without a deferral.
//
// `make test` runs a short form (CHAOS_COMMANDS=600); `make chaos` the full one
// (CHAOS_COMMANDS=5000). The package holds no production code.
package chaos
