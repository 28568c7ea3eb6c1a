// Package evict is the Kubernetes side of the health service: it asks the API server to
// evict a pod that is stuck while its probes still pass.
//
// It goes through the Eviction API (pods/eviction), never a plain delete, so that
// PodDisruptionBudgets hold: when a budget allows no disruption now, the API server answers
// 429 and the pod stays. The Evictor then remembers the refusal and declines to ask again
// for that workload until a retry delay has passed, so a stuck pod is retried later rather
// than forced and the API server is not hammered. Independently, at most one pod per
// workload is evicted per Interval (5 minutes by default): evicting replicas one after the
// other faster than they can start again would turn one stuck pod into an outage.
//
// The policy of when a pod counts as stuck (and the rule never to evict during an outage
// that affects every instance alike) belongs to the caller; this package only decides
// whether an eviction may be attempted now and carries it out.
package evict

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Defaults of the policy. Interval is the issue's "at most one eviction per workload per
// 5 minutes"; RetryAfter is used when a budget refusal names no delay of its own.
const (
	DefaultInterval   = 5 * time.Minute
	DefaultRetryAfter = 30 * time.Second
)

// ErrBlocked matches (errors.Is) an eviction that a PodDisruptionBudget refused, either just
// now (HTTP 429 from the eviction subresource) or recently enough that the retry delay has
// not passed. The pod was not touched; try again after the BlockedError's RetryAt.
var ErrBlocked = errors.New("eviction blocked by a PodDisruptionBudget")

// ErrRateLimited matches an eviction declined because the workload already had one pod
// evicted within the Interval. Nothing was sent to the API server.
var ErrRateLimited = errors.New("eviction rate limit for the workload holds")

// ErrPodGone matches an eviction of a pod that no longer exists: whatever was stuck is gone.
var ErrPodGone = errors.New("pod no longer exists")

// BlockedError says when an eviction refused by a budget may be tried again.
type BlockedError struct {
	Namespace, Pod, Workload string
	RetryAt                  time.Time
	// Reason is the API server's message for a fresh refusal; empty when the Evictor declined
	// on its own because an earlier refusal's delay has not passed.
	Reason string
}

func (e *BlockedError) Error() string {
	msg := fmt.Sprintf("evict %s/%s (workload %s): %v; retry at %s", e.Namespace, e.Pod, e.Workload, ErrBlocked, e.RetryAt.UTC().Format(time.RFC3339))
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// RateLimitedError says when the workload may lose another pod.
type RateLimitedError struct {
	Namespace, Pod, Workload string
	Last, Until              time.Time
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("evict %s/%s (workload %s): %v: last eviction at %s, next allowed at %s",
		e.Namespace, e.Pod, e.Workload, ErrRateLimited, e.Last.UTC().Format(time.RFC3339), e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// Options tune an Evictor; the zero value takes the defaults and the real clock.
type Options struct {
	// Interval is the least time between two evictions of one workload.
	Interval time.Duration
	// RetryAfter is how long to wait after a budget refusal that names no delay.
	RetryAfter time.Duration
	// Now is the clock; tests inject one to cross the Interval without waiting.
	Now func() time.Time
}

// Evictor evicts pods within the policy above. Safe for concurrent use; keep one per
// process, since the rate limit lives in memory (a restarted health service starts with a
// clean slate, which at worst allows one extra eviction per workload).
type Evictor struct {
	client     kubernetes.Interface
	interval   time.Duration
	retryAfter time.Duration
	now        func() time.Time

	mu sync.Mutex
	// last holds when each workload (namespace/workload) last lost a pod to an eviction.
	last map[string]time.Time
	// blocked holds, per workload, until when a budget refusal stands.
	blocked map[string]time.Time
}

// New returns an Evictor that talks to the API server through client.
func New(client kubernetes.Interface, o Options) *Evictor {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Evictor{client: client, interval: o.Interval, retryAfter: o.RetryAfter, now: o.Now,
		last: map[string]time.Time{}, blocked: map[string]time.Time{}}
}

// InCluster returns an Evictor using the pod's service account, or an error outside
// Kubernetes (the health service then runs without evicting).
func InCluster(o Options) (*Evictor, error) {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("evict: not in a Kubernetes pod: %w", err)
	}
	cfg.UserAgent = "novera-health"
	// Every wait has a deadline, even when the caller's context has none.
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("evict: %w", err)
	}
	return New(cs, o), nil
}

// Evict asks the API server to evict pod in namespace, which belongs to workload (the
// Deployment or StatefulSet name; the rate limit and the retry delay are per workload).
//
// It returns nil when the pod is being evicted, an error matching ErrRateLimited when the
// workload lost a pod less than Interval ago, one matching ErrBlocked when a budget refuses
// (now or recently), one matching ErrPodGone when the pod does not exist, and the API
// server's error otherwise (a Forbidden one means the RBAC in deploy/k8s is missing).
func (e *Evictor) Evict(ctx context.Context, namespace, pod, workload string) error {
	key := namespace + "/" + workload
	// The decision and the reservation happen under one lock so that two stuck pods of one
	// workload reported at once cannot both pass the rate limit.
	e.mu.Lock()
	now := e.now()
	if last, ok := e.last[key]; ok && now.Before(last.Add(e.interval)) {
		e.mu.Unlock()
		return &RateLimitedError{Namespace: namespace, Pod: pod, Workload: workload, Last: last, Until: last.Add(e.interval)}
	}
	if until, ok := e.blocked[key]; ok && now.Before(until) {
		e.mu.Unlock()
		return &BlockedError{Namespace: namespace, Pod: pod, Workload: workload, RetryAt: until}
	}
	prev, hadPrev := e.last[key]
	e.last[key] = now
	e.mu.Unlock()

	// The eviction subresource, by hand rather than through Pods().EvictV1, for one reason:
	// MaxRetries(0). client-go otherwise honours a 429's Retry-After by retrying inside the
	// call, up to ten times, and a budget that is "still being processed" answers with 10 s:
	// the caller would sit in here for minutes instead of hearing "blocked, later".
	err := e.client.CoreV1().RESTClient().Post().
		Namespace(namespace).Resource("pods").Name(pod).SubResource("eviction").
		MaxRetries(0).
		Body(&policyv1.Eviction{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
			ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: namespace},
		}).
		Do(ctx).Error()

	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		delete(e.blocked, key)
		return nil
	}
	// Nothing was disrupted: give the reservation back so the refusal does not also cost
	// the workload its next five minutes.
	if hadPrev {
		e.last[key] = prev
	} else {
		delete(e.last, key)
	}
	switch {
	case apierrors.IsTooManyRequests(err) && budgetCause(err):
		// 429 with a DisruptionBudget cause is the eviction subresource's answer when a
		// budget allows no disruption now (or its status is not yet up to date). The server
		// may suggest a delay; a missing or shorter one takes RetryAfter. (A 429 without that
		// cause is the API server's own overload protection: a plain error below, and the
		// caller's next round tries again.)
		wait := e.retryAfter
		if s, ok := apierrors.SuggestsClientDelay(err); ok && s > 0 {
			wait = max(wait, time.Duration(s)*time.Second)
		}
		until := now.Add(wait)
		e.blocked[key] = until
		return &BlockedError{Namespace: namespace, Pod: pod, Workload: workload, RetryAt: until, Reason: err.Error()}
	case apierrors.IsNotFound(err):
		return fmt.Errorf("evict %s/%s: %w", namespace, pod, ErrPodGone)
	default:
		return fmt.Errorf("evict %s/%s: %w", namespace, pod, err)
	}
}

// budgetCause tells a PodDisruptionBudget's refusal from other 429s by the cause the
// eviction subresource attaches to it.
func budgetCause(err error) bool {
	var se apierrors.APIStatus
	if !errors.As(err, &se) || se.Status().Details == nil {
		return false
	}
	for _, c := range se.Status().Details.Causes {
		if c.Type == policyv1.DisruptionBudgetCause {
			return true
		}
	}
	return false
}
