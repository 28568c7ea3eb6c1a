package k8stest

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

const namespace = "novera"

var overlays = []string{"dev", "prod"}

// object is one rendered manifest: its YAML as kustomize wrote it, and the typed object the
// strict decoder made of it.
type object struct {
	yaml  []byte
	u     *unstructured.Unstructured
	typed runtime.Object
}

func (o object) id() string { return o.u.GetKind() + "/" + o.u.GetName() }

var (
	renderMu    sync.Mutex
	renderCache = map[string][]object{}
)

// render builds an overlay the way `kubectl kustomize deploy/k8s/overlays/<name>` does
// (krusty is the library behind it) and decodes every object strictly: a field the API does
// not know, a duplicated field or a kind that is not built in fails the test.
func render(t *testing.T, overlay string) []object {
	t.Helper()
	renderMu.Lock()
	defer renderMu.Unlock()
	if objs, ok := renderCache[overlay]; ok {
		return objs
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join("..", "overlays", overlay))
	if err != nil {
		t.Fatalf("kustomize %s: %v", overlay, err)
	}
	strict := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
	var objs []object
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatalf("%s: %s: %v", overlay, r.CurId(), err)
		}
		typed, _, err := strict.Decode(y, nil, nil)
		if err != nil {
			t.Errorf("%s: %s/%s fails the strict schema check: %v", overlay, r.GetKind(), r.GetName(), err)
			continue
		}
		u := &unstructured.Unstructured{}
		if err := runtime.DecodeInto(unstructured.UnstructuredJSONScheme, mustJSON(t, y), u); err != nil {
			t.Fatalf("%s: %s: %v", overlay, r.CurId(), err)
		}
		objs = append(objs, object{yaml: y, u: u, typed: typed})
	}
	if t.Failed() {
		t.FailNow()
	}
	renderCache[overlay] = objs
	return objs
}

func TestOverlaysRenderStrictly(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			objs := render(t, ov)
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.u.GetKind()]++
				if o.u.GetKind() != "Namespace" && o.u.GetNamespace() != namespace {
					t.Errorf("%s is in namespace %q, want %q", o.id(), o.u.GetNamespace(), namespace)
				}
			}
			// What the issue asks the base for, in both overlays.
			want := map[string]int{"Namespace": 1, "ConfigMap": 1, "StatefulSet": 2, "Deployment": 5,
				"HorizontalPodAutoscaler": 4, "PodDisruptionBudget": 7, "ServiceAccount": 1, "Role": 1, "RoleBinding": 1}
			if ov == "dev" {
				want["StatefulSet"] = 4 // gateway, rest, nats, postgres
				want["Deployment"] = 6  // + jaeger
			}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("%d %s objects, want %d (all kinds: %v)", kinds[k], k, n, kinds)
				}
			}
		})
	}
}

// podTemplates returns every workload's pod template by workload name.
func podTemplates(objs []object) map[string]*corev1.PodTemplateSpec {
	out := map[string]*corev1.PodTemplateSpec{}
	for _, o := range objs {
		switch w := o.typed.(type) {
		case *appsv1.Deployment:
			out[w.Name] = &w.Spec.Template
		case *appsv1.StatefulSet:
			out[w.Name] = &w.Spec.Template
		}
	}
	return out
}

var novera = []string{"gateway", "fun", "community", "league", "moderation", "health", "rest"}

// TestPodsAreHardenedAndProbed holds every pod to the rules in deploy/k8s/README.md: probes
// on the admin port's /livez and /readyz plus a startupProbe, requests and limits, a
// restricted securityContext, and no API token except the health service's.
func TestPodsAreHardenedAndProbed(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			objs := render(t, ov)
			pods := podTemplates(objs)
			for _, name := range novera {
				if pods[name] == nil {
					t.Errorf("no workload %q", name)
				}
			}
			for name, pt := range pods {
				ps := pt.Spec
				wantToken := name == "health"
				if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken != wantToken {
					t.Errorf("%s: automountServiceAccountToken = %v, want %v", name, ps.AutomountServiceAccountToken, wantToken)
				}
				if wantToken && ps.ServiceAccountName != "health" {
					t.Errorf("%s: serviceAccountName %q, want health", name, ps.ServiceAccountName)
				}
				psc := ps.SecurityContext
				if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 ||
					psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
					t.Errorf("%s: pod securityContext %+v: want runAsNonRoot, a non-zero runAsUser, seccomp RuntimeDefault", name, psc)
				}
				for _, c := range append(slices.Clone(ps.InitContainers), ps.Containers...) {
					where := name + "/" + c.Name
					sc := c.SecurityContext
					if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
						sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
						sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
						t.Errorf("%s: container securityContext %+v: want no privilege escalation, read-only root, drop ALL", where, sc)
					}
					for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
						if _, ok := c.Resources.Requests[r]; !ok {
							t.Errorf("%s: no %s request", where, r)
						}
						if _, ok := c.Resources.Limits[r]; !ok {
							t.Errorf("%s: no %s limit", where, r)
						}
					}
					if c.StartupProbe == nil || c.LivenessProbe == nil || c.ReadinessProbe == nil {
						t.Errorf("%s: want startup, liveness and readiness probes", where)
						continue
					}
					if !slices.Contains(novera, name) {
						continue // NATS, PostgreSQL, Jaeger: their own health endpoints
					}
					for probe, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
						path := "/livez"
						if probe == "readiness" {
							path = "/readyz"
						}
						if p.HTTPGet == nil || p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "admin" {
							t.Errorf("%s: %s probe %+v, want GET %s on the admin port", where, probe, p.ProbeHandler, path)
						}
					}
					if !hasPort(c, "admin", 9090) {
						t.Errorf("%s: no admin port 9090 (ADMIN_ADDR)", where)
					}
					// Liveness must not give up faster than the readiness view of an outage:
					// a restart is for a stuck process, after the watchdog has decided.
					if l := c.LivenessProbe; l.FailureThreshold*l.PeriodSeconds < 30 {
						t.Errorf("%s: liveness fails after %ds, want at least 30s", where, l.FailureThreshold*l.PeriodSeconds)
					}
					// The REST proxy sends no heartbeats (the health service does not evict it:
					// its standby takes over by the lease); it names itself by REST_INSTANCE.
					switch {
					case name == "rest" && !hasFieldEnv(c, "REST_INSTANCE", "metadata.name"):
						t.Errorf("%s: want REST_INSTANCE from the downward API (the lease's holder)", where)
					case name != "rest" && (!hasFieldEnv(c, "POD_NAME", "metadata.name") || !hasFieldEnv(c, "POD_NAMESPACE", "metadata.namespace")):
						t.Errorf("%s: want POD_NAME and POD_NAMESPACE from the downward API (heartbeats, evictions)", where)
					}
				}
			}
		})
	}
}

func hasPort(c corev1.Container, name string, port int32) bool {
	for _, p := range c.Ports {
		if p.Name == name && p.ContainerPort == port {
			return true
		}
	}
	return false
}

func hasFieldEnv(c corev1.Container, name, field string) bool {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == field {
			return true
		}
	}
	return false
}

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// TestWorkloadWiring checks what ties the objects together: shard ranges, autoscalers and
// budgets that select the right pods, references that resolve, and Secrets that only the
// overlay meant to hold them holds.
func TestWorkloadWiring(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			objs := render(t, ov)
			pods := podTemplates(objs)
			byKind := map[string]map[string]runtime.Object{}
			for _, o := range objs {
				if byKind[o.u.GetKind()] == nil {
					byKind[o.u.GetKind()] = map[string]runtime.Object{}
				}
				byKind[o.u.GetKind()][o.u.GetName()] = o.typed
			}

			gw, _ := byKind["StatefulSet"]["gateway"].(*appsv1.StatefulSet)
			if gw == nil {
				t.Fatal("no gateway StatefulSet")
			}
			c := gw.Spec.Template.Spec.Containers[0]
			if v, ok := envValue(c, "GATEWAY_REPLICAS"); !ok || v != fmt.Sprint(*gw.Spec.Replicas) {
				t.Errorf("GATEWAY_REPLICAS=%q with %d replicas: each pod would compute the wrong shard range", v, *gw.Spec.Replicas)
			}
			cm := byKind["ConfigMap"]["novera-config"].(*corev1.ConfigMap)
			if cm.Data["ADMIN_ADDR"] != "0.0.0.0:9090" {
				t.Errorf("ADMIN_ADDR=%q, the probes use port 9090", cm.Data["ADMIN_ADDR"])
			}
			var shards int
			if _, err := fmt.Sscan(cm.Data["SHARD_COUNT"], &shards); err != nil || shards < int(*gw.Spec.Replicas) {
				t.Errorf("SHARD_COUNT=%q for %d gateway pods: every pod needs at least one shard", cm.Data["SHARD_COUNT"], *gw.Spec.Replicas)
			}

			for _, w := range []string{"fun", "community", "league", "moderation"} {
				d, _ := byKind["Deployment"][w].(*appsv1.Deployment)
				hpa, _ := byKind["HorizontalPodAutoscaler"][w].(*autoscalingv2.HorizontalPodAutoscaler)
				if d == nil || hpa == nil {
					t.Errorf("%s: want a Deployment and a HorizontalPodAutoscaler", w)
					continue
				}
				if d.Spec.Replicas != nil {
					t.Errorf("%s: Deployment sets replicas; the autoscaler owns the count", w)
				}
				if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != w {
					t.Errorf("%s: autoscaler targets %+v", w, hpa.Spec.ScaleTargetRef)
				}
				if ov == "prod" && (hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2) {
					t.Errorf("%s: prod runs at least two of each worker", w)
				}
			}

			// Every Novera workload is covered by exactly one budget, and prod's budgets keep
			// a worker's last pod.
			for _, name := range novera {
				pt := pods[name]
				var covering []*policyv1.PodDisruptionBudget
				for _, o := range byKind["PodDisruptionBudget"] {
					pdb := o.(*policyv1.PodDisruptionBudget)
					sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
					if err != nil {
						t.Fatal(err)
					}
					if sel.Matches(labels.Set(pt.Labels)) {
						covering = append(covering, pdb)
					}
				}
				if len(covering) != 1 {
					t.Errorf("%s: covered by %d PodDisruptionBudgets, want 1", name, len(covering))
					continue
				}
				if ov == "prod" && name != "gateway" && name != "health" &&
					(covering[0].Spec.MinAvailable == nil || covering[0].Spec.MinAvailable.IntValue() < 1) {
					t.Errorf("%s: prod budget %+v, want minAvailable >= 1", name, covering[0].Spec)
				}
			}

			// References from pods to ConfigMaps and Secrets resolve within the render, except
			// the Secrets prod expects to be created out of band.
			outOfBand := map[string]bool{}
			if ov == "prod" {
				outOfBand = map[string]bool{"novera-discord": true, "novera-rest": true, "novera-nats": true, "novera-postgres": true}
				if n := len(byKind["Secret"]); n != 0 {
					t.Errorf("prod renders %d Secrets; an apply would overwrite the real ones", n)
				}
			}
			for name, pt := range pods {
				for _, c := range pt.Spec.Containers {
					for _, ef := range c.EnvFrom {
						switch {
						case ef.ConfigMapRef != nil && byKind["ConfigMap"][ef.ConfigMapRef.Name] == nil:
							t.Errorf("%s: ConfigMap %q is not in the render", name, ef.ConfigMapRef.Name)
						case ef.SecretRef != nil && byKind["Secret"][ef.SecretRef.Name] == nil && !outOfBand[ef.SecretRef.Name]:
							t.Errorf("%s: Secret %q is not in the render", name, ef.SecretRef.Name)
						}
					}
				}
			}

			// The workers reach Discord only through the REST proxy: its replicas' stable
			// names, one address per replica, and no bot token. The proxy's readiness does
			// not single out the active replica (a budget of one could never let it go).
			rest, _ := byKind["StatefulSet"]["rest"].(*appsv1.StatefulSet)
			if rest == nil {
				t.Fatal("no rest StatefulSet")
			}
			var addrs []string
			for i := range int(*rest.Spec.Replicas) {
				addrs = append(addrs, fmt.Sprintf("http://rest-%d.%s:8081/api/v10", i, rest.Spec.ServiceName))
			}
			if svc, _ := byKind["Service"][rest.Spec.ServiceName].(*corev1.Service); svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("the rest StatefulSet's Service %q is not in the render as a headless Service", rest.Spec.ServiceName)
			}
			if v, _ := envValue(rest.Spec.Template.Spec.Containers[0], "REST_STANDBY_READY"); v != "true" {
				t.Errorf("rest: REST_STANDBY_READY=%q; with readiness only on the active replica its budget could never let it go", v)
			}
			for _, w := range []string{"fun", "community", "league", "moderation"} {
				c := pods[w].Spec.Containers[0]
				url, _ := envValue(c, "DISCORD_API_URL")
				fallback, _ := envValue(c, "DISCORD_API_FALLBACK_URLS")
				if got := append([]string{url}, strings.Split(fallback, ",")...); !slices.Equal(got, addrs) {
					t.Errorf("%s reaches Discord through %v, want the REST proxy's replicas %v", w, got, addrs)
				}
				for _, ef := range c.EnvFrom {
					if ef.SecretRef != nil && ef.SecretRef.Name == "novera-discord" {
						t.Errorf("%s is given the bot token; only the REST proxy and the gateway hold it", w)
					}
				}
			}

			// The four workers' manifests are one template with a different name.
			ref := workerShape(t, byKind["Deployment"]["fun"].(*appsv1.Deployment), "fun")
			for _, w := range []string{"community", "league", "moderation"} {
				if got := workerShape(t, byKind["Deployment"][w].(*appsv1.Deployment), w); got != ref {
					t.Errorf("%s's Deployment differs from fun's by more than the name", w)
				}
			}

			// The Role is exactly what evicting needs.
			role := byKind["Role"]["health-evictor"].(*rbacv1.Role)
			want := []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
				{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
			}
			if fmt.Sprint(role.Rules) != fmt.Sprint(want) {
				t.Errorf("health Role rules %+v, want %+v", role.Rules, want)
			}

			// Default deny, then the allowances.
			np, _ := byKind["NetworkPolicy"]["default-deny"].(*networkingv1.NetworkPolicy)
			if np == nil || len(np.Spec.PodSelector.MatchLabels)+len(np.Spec.PodSelector.MatchExpressions) != 0 ||
				len(np.Spec.Ingress)+len(np.Spec.Egress) != 0 || len(np.Spec.PolicyTypes) != 2 {
				t.Errorf("want a default-deny NetworkPolicy for ingress and egress of every pod, got %+v", np)
			}
		})
	}
}

func workerShape(t *testing.T, d *appsv1.Deployment, name string) string {
	t.Helper()
	y := string(mustJSON(t, mustYAML(t, d)))
	return strings.ReplaceAll(y, name, "WORKER")
}

// TestServerSideDryRun sends every rendered object to a real kube-apiserver as
// `kubectl apply --server-side --dry-run=server` would, with strict field validation and
// Pod Security admission on (the namespace's "restricted" label): the API server's own
// validation and defaulting, not just the schema. The namespace itself is created for real
// first, since a dry-run object cannot live in a namespace that does not exist.
func TestServerSideDryRun(t *testing.T) {
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			objs := render(t, ov)
			var warnings []string
			var wmu sync.Mutex
			cfg := rest.CopyConfig(kube.admin)
			cfg.WarningHandler = warningFunc(func(code int, agent, text string) {
				wmu.Lock()
				warnings = append(warnings, text)
				wmu.Unlock()
			})
			dyn, mapper := dynamicClient(t, cfg)
			ctx := t.Context()
			for _, o := range objs {
				if o.u.GetKind() == "Namespace" {
					apply(ctx, t, dyn, mapper, o, false)
				}
			}
			for _, o := range objs {
				if o.u.GetKind() == "Namespace" {
					continue
				}
				wmu.Lock()
				warnings = nil
				wmu.Unlock()
				apply(ctx, t, dyn, mapper, o, true)
				wmu.Lock()
				// Pod Security admission only warns about a Deployment's template (it
				// enforces on pods), so a warning is a failure here.
				for _, w := range warnings {
					t.Errorf("%s: API server warning: %s", o.id(), w)
				}
				wmu.Unlock()
			}
			// The dry run must not have left anything behind.
			cms, err := kube.client.CoreV1().ConfigMaps(namespace).Get(ctx, "novera-config", metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				t.Errorf("dry run created novera-config: %v %v", cms.Name, err)
			}
		})
	}
}

type warningFunc func(code int, agent, text string)

func (f warningFunc) HandleWarningHeader(code int, agent, text string) { f(code, agent, text) }

func dynamicClient(t *testing.T, cfg *rest.Config) (dynamic.Interface, *restmapper.DeferredDiscoveryRESTMapper) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dyn, restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
}

// apply is a server-side apply with strict field validation, dry run or for real.
func apply(ctx context.Context, t *testing.T, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, o object, dryRun bool) {
	t.Helper()
	gvk := o.u.GroupVersionKind()
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Errorf("%s: the API server does not serve %s: %v", o.id(), gvk, err)
		return
	}
	opts := metav1.PatchOptions{FieldManager: "novera-k8s-test", Force: ptr(true), FieldValidation: "Strict"}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
	if m.Scope.Name() == "namespace" {
		ri = dyn.Resource(m.Resource).Namespace(o.u.GetNamespace())
	}
	if _, err := ri.Patch(ctx, o.u.GetName(), types.ApplyPatchType, mustJSON(t, o.yaml), opts); err != nil {
		t.Errorf("%s: server-side apply (dry run %v) refused: %v", o.id(), dryRun, err)
	}
}

func ptr[T any](v T) *T { return &v }
