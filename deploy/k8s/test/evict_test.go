package k8stest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/novera-bot/novera/services/health/evict"
)

const healthUser = "system:serviceaccount:novera:health"

var setupOnce sync.Once

// setupHealth creates, for real, what the health service runs with: the namespace and, from
// the prod render, its ServiceAccount, Role and RoleBinding and every PodDisruptionBudget.
// The tests below therefore check the manifests' own RBAC and budgets, not copies.
func setupHealth(t *testing.T) {
	t.Helper()
	setupOnce.Do(func() {
		dyn, mapper := dynamicClient(t, kube.admin)
		for _, o := range render(t, "prod") {
			switch o.u.GetKind() {
			case "Namespace", "ServiceAccount", "Role", "RoleBinding", "PodDisruptionBudget":
				apply(t.Context(), t, dyn, mapper, o, false)
			}
		}
		// The controller-manager would create the default ServiceAccount; pods need it.
		_, err := kube.client.CoreV1().ServiceAccounts(namespace).Create(t.Context(),
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		// A second namespace, to show the Role stops at its own.
		_, err = kube.client.CoreV1().Namespaces().Create(t.Context(),
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		_, err = kube.client.CoreV1().ServiceAccounts("elsewhere").Create(t.Context(),
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	})
	if t.Failed() {
		t.FailNow()
	}
}

// healthConfig is a client authenticated as the health service's ServiceAccount with a real
// token from the TokenRequest API, as the kubelet would mount it into the pod.
func healthConfig(t *testing.T) *rest.Config {
	t.Helper()
	tr, err := kube.client.CoreV1().ServiceAccounts(namespace).CreateToken(t.Context(), "health",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for the health ServiceAccount: %v", err)
	}
	return &rest.Config{Host: kube.admin.Host, BearerToken: tr.Status.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: kube.admin.CAData}, QPS: 100, Burst: 200}
}

func TestHealthRBACAllowsEvictionOnly(t *testing.T) {
	setupHealth(t)
	ctx := t.Context()
	type access struct {
		ns, verb, resource, sub, group string
		allowed                        bool
	}
	cases := []access{
		{namespace, "get", "pods", "", "", true},
		{namespace, "list", "pods", "", "", true},
		{namespace, "create", "pods", "eviction", "", true},
		// Everything else is denied: no way around a budget, nothing outside the namespace.
		{namespace, "delete", "pods", "", "", false},
		{namespace, "deletecollection", "pods", "", "", false},
		{namespace, "watch", "pods", "", "", false},
		{namespace, "create", "pods", "", "", false},
		{namespace, "update", "pods", "", "", false},
		{namespace, "patch", "pods", "status", "", false},
		{namespace, "create", "pods", "exec", "", false},
		{namespace, "get", "pods", "log", "", false},
		{namespace, "get", "secrets", "", "", false},
		{namespace, "list", "configmaps", "", "", false},
		{namespace, "delete", "deployments", "", "apps", false},
		{namespace, "update", "deployments", "scale", "apps", false},
		{namespace, "update", "poddisruptionbudgets", "", "policy", false},
		{namespace, "update", "poddisruptionbudgets", "status", "policy", false},
		{"elsewhere", "get", "pods", "", "", false},
		{"elsewhere", "create", "pods", "eviction", "", false},
		{"", "list", "pods", "", "", false},
		{"", "list", "nodes", "", "", false},
	}
	for _, c := range cases {
		sar, err := kube.client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   healthUser,
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:novera", "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: c.ns, Verb: c.verb, Group: c.group, Resource: c.resource, Subresource: c.sub,
				},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sar.Status.Allowed != c.allowed {
			t.Errorf("health may %s %s/%s in %q: %v, want %v (%s)", c.verb, c.resource, c.sub, c.ns, sar.Status.Allowed, c.allowed, sar.Status.Reason)
		}
	}

	// The same through the real token: the requests themselves.
	hc, err := kubernetes.NewForConfig(healthConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	// Labelled as no budget selects, so the eviction below is about RBAC alone.
	p := runningPod(t, namespace, "rbac-probe", "rbac-probe")
	q := runningPod(t, "elsewhere", "rbac-probe", "rbac-probe")
	if _, err := hc.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("list pods in novera: %v", err)
	}
	if _, err := hc.CoreV1().Pods(namespace).Get(ctx, p.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("get pod in novera: %v", err)
	}
	forbidden := map[string]error{
		"delete pod":               hc.CoreV1().Pods(namespace).Delete(ctx, p.Name, metav1.DeleteOptions{}),
		"list pods elsewhere":      second(hc.CoreV1().Pods("elsewhere").List(ctx, metav1.ListOptions{})),
		"evict pod elsewhere":      hc.CoreV1().Pods("elsewhere").EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: q.Name, Namespace: "elsewhere"}}),
		"list secrets":             second(hc.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{})),
		"update budget":            second(hc.PolicyV1().PodDisruptionBudgets(namespace).UpdateStatus(ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "fun", Namespace: namespace}}, metav1.UpdateOptions{})),
		"delete pods (collection)": hc.CoreV1().Pods(namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}),
	}
	for what, err := range forbidden {
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s as health: %v, want Forbidden", what, err)
		}
	}
	// And the eviction itself goes through.
	if err := hc.CoreV1().Pods(namespace).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: namespace}}); err != nil {
		t.Errorf("evict pod in novera as health: %v", err)
	}
	waitGone(t, namespace, p.Name)
}

func second[T any](_ T, err error) error { return err }

// runningPod creates a pod as a workload's replica would be: its labels, then Running and
// Ready. There is no scheduler or kubelet, so the status is written here, which is what
// makes the eviction consult the PodDisruptionBudget (pending or unready pods skip it).
func runningPod(t *testing.T, ns, name, workload string) *corev1.Pod {
	t.Helper()
	ctx := t.Context()
	p, err := kube.client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"app.kubernetes.io/name": workload, "app.kubernetes.io/component": "worker", "app.kubernetes.io/part-of": "novera",
		}},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr(false),
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(65532)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{Name: workload, Image: "novera/" + workload,
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", ns, name, err)
	}
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	p, err = kube.client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("pod %s/%s status: %v", ns, name, err)
	}
	t.Cleanup(func() {
		_ = kube.client.CoreV1().Pods(ns).Delete(context.WithoutCancel(ctx), name, metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))})
	})
	return p
}

// setBudget writes the PodDisruptionBudget's status as the disruption controller would
// (observedGeneration current, so the API server trusts it), allowing n disruptions.
func setBudget(t *testing.T, name string, healthy, allowed int32) {
	t.Helper()
	ctx := t.Context()
	pdb, err := kube.client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation, DisruptionsAllowed: allowed,
		CurrentHealthy: healthy, DesiredHealthy: healthy - allowed, ExpectedPods: healthy,
	}
	if _, err := kube.client.PolicyV1().PodDisruptionBudgets(namespace).UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("budget %s status: %v", name, err)
	}
}

func exists(t *testing.T, ns, name string) bool {
	t.Helper()
	p, err := kube.client.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return p.DeletionTimestamp == nil
}

func waitGone(t *testing.T, ns, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for exists(t, ns, name) {
		if time.Now().After(deadline) {
			t.Fatalf("pod %s/%s still there after its eviction", ns, name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clock is the injected time: the tests cross five minutes without waiting them.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// evictor is the health service's Evictor as it runs in the pod (its ServiceAccount token),
// with the clock injected and a count of the eviction requests that reach the API server.
func evictor(t *testing.T, c *clock) (*evict.Evictor, *atomic.Int64) {
	t.Helper()
	return evictorAs(t, c, healthConfig(t))
}

func evictorAs(t *testing.T, c *clock, cfg *rest.Config) (*evict.Evictor, *atomic.Int64) {
	t.Helper()
	cfg = rest.CopyConfig(cfg)
	var posts atomic.Int64
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/eviction") {
				posts.Add(1)
			}
			return rt.RoundTrip(r)
		})
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return evict.New(cs, evict.Options{Now: c.Now}), &posts
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEvictionBlockedByBudgetIsRetriedLaterNotForced(t *testing.T) {
	setupHealth(t)
	// As it runs (its ServiceAccount, which may not delete pods anyway), and with an
	// administrator's rights: not forcing is the Evictor's own rule, not only RBAC's.
	t.Run("health ServiceAccount", func(t *testing.T) { blockedThenRetried(t, healthConfig(t)) })
	t.Run("administrator", func(t *testing.T) { blockedThenRetried(t, kube.admin) })
}

func blockedThenRetried(t *testing.T, cfg *rest.Config) {
	ctx := t.Context()
	runningPod(t, namespace, "fun-a", "fun")
	runningPod(t, namespace, "fun-b", "fun")
	// prod's budget for fun is minAvailable 1; with one of two pods already disrupted
	// (say, a node drain) it allows nothing more.
	setBudget(t, "fun", 1, 0)
	c := &clock{now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	ev, posts := evictorAs(t, c, cfg)

	err := ev.Evict(ctx, namespace, "fun-a", "fun")
	var blocked *evict.BlockedError
	if !errors.Is(err, evict.ErrBlocked) || !errors.As(err, &blocked) {
		t.Fatalf("evict with the budget exhausted: %v, want ErrBlocked", err)
	}
	if errors.Is(err, evict.ErrRateLimited) {
		t.Errorf("a budget refusal reads as the rate limit: %v", err)
	}
	if !exists(t, namespace, "fun-a") {
		t.Fatal("the budget refused, yet fun-a was deleted: the eviction was forced")
	}
	if posts.Load() != 1 {
		t.Errorf("%d eviction requests, want 1", posts.Load())
	}
	if !blocked.RetryAt.After(c.Now()) {
		t.Errorf("retry at %s, not after now (%s)", blocked.RetryAt, c.Now())
	}

	// Asked again before the retry time: declined without asking the API server.
	c.Add(5 * time.Second)
	if err := ev.Evict(ctx, namespace, "fun-a", "fun"); !errors.Is(err, evict.ErrBlocked) {
		t.Fatalf("evict again at once: %v, want ErrBlocked", err)
	}
	if posts.Load() != 1 {
		t.Errorf("retried before the delay: %d eviction requests, want still 1", posts.Load())
	}
	if !exists(t, namespace, "fun-a") {
		t.Fatal("fun-a deleted while its budget refuses")
	}

	// Later, the disrupted pod is back and the budget allows one: the retry evicts. A refusal
	// did not use up the workload's five minutes.
	c.now = blocked.RetryAt
	setBudget(t, "fun", 2, 1)
	if err := ev.Evict(ctx, namespace, "fun-a", "fun"); err != nil {
		t.Fatalf("evict after the retry delay with the budget allowing one: %v", err)
	}
	if posts.Load() != 2 {
		t.Errorf("%d eviction requests, want 2", posts.Load())
	}
	waitGone(t, namespace, "fun-a")
	if !exists(t, namespace, "fun-b") {
		t.Error("fun-b went too")
	}
	pdb, err := kube.client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, "fun", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pdb.Status.DisruptedPods["fun-a"]; !ok || pdb.Status.DisruptionsAllowed != 0 {
		t.Errorf("budget after the eviction: allowed %d, disrupted %v; the API server did not count it against the budget",
			pdb.Status.DisruptionsAllowed, pdb.Status.DisruptedPods)
	}
}

func TestAtMostOneEvictionPerWorkloadPerFiveMinutes(t *testing.T) {
	setupHealth(t)
	ctx := t.Context()
	for _, p := range []string{"league-a", "league-b", "league-c"} {
		runningPod(t, namespace, p, "league")
	}
	runningPod(t, namespace, "community-a", "community")
	// Budgets that would allow plenty: only the Evictor's own limit stands in the way.
	setBudget(t, "league", 3, 3)
	setBudget(t, "community", 2, 1)
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := &clock{now: t0}
	ev, posts := evictor(t, c)

	if err := ev.Evict(ctx, namespace, "league-a", "league"); err != nil {
		t.Fatalf("first eviction of league: %v", err)
	}
	waitGone(t, namespace, "league-a")

	c.Add(time.Minute)
	err := ev.Evict(ctx, namespace, "league-b", "league")
	var limited *evict.RateLimitedError
	if !errors.Is(err, evict.ErrRateLimited) || !errors.As(err, &limited) || errors.Is(err, evict.ErrBlocked) {
		t.Fatalf("second league eviction a minute later: %v, want ErrRateLimited", err)
	}
	if !limited.Until.Equal(t0.Add(evict.DefaultInterval)) {
		t.Errorf("next league eviction allowed at %s, want %s", limited.Until, t0.Add(evict.DefaultInterval))
	}
	if !exists(t, namespace, "league-b") {
		t.Fatal("league-b evicted despite the rate limit")
	}

	// The limit is per workload: community may lose a pod meanwhile.
	if err := ev.Evict(ctx, namespace, "community-a", "community"); err != nil {
		t.Fatalf("community eviction while league is limited: %v", err)
	}
	waitGone(t, namespace, "community-a")

	c.now = t0.Add(evict.DefaultInterval - time.Second)
	if err := ev.Evict(ctx, namespace, "league-b", "league"); !errors.Is(err, evict.ErrRateLimited) {
		t.Fatalf("league eviction a second before five minutes: %v, want ErrRateLimited", err)
	}
	if posts.Load() != 2 {
		t.Errorf("%d eviction requests reached the API server, want 2 (the limited ones must not)", posts.Load())
	}

	c.now = t0.Add(evict.DefaultInterval)
	if err := ev.Evict(ctx, namespace, "league-b", "league"); err != nil {
		t.Fatalf("league eviction after five minutes: %v", err)
	}
	waitGone(t, namespace, "league-b")
	if !exists(t, namespace, "league-c") {
		t.Error("league-c went too")
	}

	// A pod that is already gone is told apart from a refusal, and does not use up the
	// workload's next slot.
	c.Add(evict.DefaultInterval)
	if err := ev.Evict(ctx, namespace, "league-zz", "league"); !errors.Is(err, evict.ErrPodGone) {
		t.Errorf("evict a pod that does not exist: %v, want ErrPodGone", err)
	}
	if err := ev.Evict(ctx, namespace, "league-c", "league"); err != nil {
		t.Errorf("evict league-c after a miss: %v", err)
	}
}

func mustJSON(t *testing.T, y []byte) []byte {
	t.Helper()
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func mustYAML(t *testing.T, v any) []byte {
	t.Helper()
	y, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// A budget the disruption controller has not processed yet makes the API server answer 429
// with Retry-After: 10. The Evictor must come back at once with "blocked, later" rather than
// sit in client-go's own retries, and the pod must stay.
func TestEvictionWhileBudgetUnprocessedReturnsAtOnce(t *testing.T) {
	setupHealth(t)
	runningPod(t, namespace, "moderation-a", "moderation")
	runningPod(t, namespace, "moderation-b", "moderation")
	c := &clock{now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	ev, posts := evictor(t, c)
	start := time.Now()
	err := ev.Evict(t.Context(), namespace, "moderation-a", "moderation")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Evict took %s: retried inside the call", took)
	}
	var blocked *evict.BlockedError
	if !errors.As(err, &blocked) || !errors.Is(err, evict.ErrBlocked) {
		t.Fatalf("evict with an unprocessed budget: %v, want ErrBlocked", err)
	}
	if blocked.RetryAt.Before(c.Now().Add(10 * time.Second)) {
		t.Errorf("retry at %s, sooner than the server's 10 s", blocked.RetryAt)
	}
	if posts.Load() != 1 || !exists(t, namespace, "moderation-a") {
		t.Errorf("%d eviction requests (want 1), pod still there: %v", posts.Load(), exists(t, namespace, "moderation-a"))
	}
}
