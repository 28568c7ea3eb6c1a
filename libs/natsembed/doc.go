// Package natsembed runs a NATS server with JetStream inside the current process.
//
// The all-in-one runner uses it so that `make run` needs no external NATS, and tests use it
// (through the natstest helper) so that the bus is exercised against a real server rather
// than a mock. It binds only to the loopback interface unless told otherwise.
package natsembed
