// Package health watches the heartbeats every Novera instance publishes,
// serves a status page and metrics, and asks Kubernetes to evict an
// instance that is stuck while it still beats.
package health
