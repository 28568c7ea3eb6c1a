package k8stest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestNetworkPoliciesAllowOnlyWhatIsNeeded works out, for each workload's pods, the ports the
// rendered NetworkPolicies open in each direction, and compares them with what the
// workload needs. A rule without ports (every port) shows as "all" and fails.
func TestNetworkPoliciesAllowOnlyWhatIsNeeded(t *testing.T) {
	dns := []string{"TCP/53", "UDP/53"}
	want := map[string]struct{ egress, ingress []string }{
		// NATS, Discord (443), the OTLP collector; Prometheus (9090), interactions (8080).
		"gateway": {append([]string{"TCP/4222", "TCP/443", "TCP/4318"}, dns...), []string{"TCP/9090", "TCP/8080"}},
		// NATS, PostgreSQL, the REST proxy (8081: Discord only through it), OTLP; no ingress
		// but the scrape.
		"fun":        {append([]string{"TCP/4222", "TCP/5432", "TCP/8081", "TCP/4318"}, dns...), []string{"TCP/9090"}},
		"community":  {append([]string{"TCP/4222", "TCP/5432", "TCP/8081", "TCP/4318"}, dns...), []string{"TCP/9090"}},
		"league":     {append([]string{"TCP/4222", "TCP/5432", "TCP/8081", "TCP/4318"}, dns...), []string{"TCP/9090"}},
		"moderation": {append([]string{"TCP/4222", "TCP/5432", "TCP/8081", "TCP/4318"}, dns...), []string{"TCP/9090"}},
		// NATS (its lease), Discord, OTLP; the scrape and the workers' calls.
		"rest": {append([]string{"TCP/4222", "TCP/443", "TCP/4318"}, dns...), []string{"TCP/9090", "TCP/8081"}},
		// NATS, the API server (443 or 6443), OTLP; the scrape and the status page.
		"health": {append([]string{"TCP/4222", "TCP/443", "TCP/6443", "TCP/4318"}, dns...), []string{"TCP/9090", "TCP/8080"}},
		// dev's dependencies call nobody and accept only their own port.
		"nats":     {dns, []string{"TCP/4222"}},
		"postgres": {dns, []string{"TCP/5432"}},
		"jaeger":   {dns, []string{"TCP/4318", "TCP/16686"}},
	}
	for _, ov := range overlays {
		t.Run(ov, func(t *testing.T) {
			objs := render(t, ov)
			var pols []*networkingv1.NetworkPolicy
			for _, o := range objs {
				if np, ok := o.typed.(*networkingv1.NetworkPolicy); ok {
					pols = append(pols, np)
				}
			}
			for name, pt := range podTemplates(objs) {
				w, ok := want[name]
				if !ok {
					t.Errorf("%s: no expectation for this workload's traffic; add one", name)
					continue
				}
				eg, in := openPorts(t, pols, labels.Set(pt.Labels))
				if !sameSet(eg, w.egress) {
					t.Errorf("%s may send to %v, want exactly %v", name, eg, w.egress)
				}
				if !sameSet(in, w.ingress) {
					t.Errorf("%s may receive on %v, want exactly %v", name, in, w.ingress)
				}
			}
			// The Discord rule must not open 443 to the cluster's own private ranges.
			for _, np := range pols {
				if np.Name != "discord-egress" {
					continue
				}
				for _, r := range np.Spec.Egress {
					for _, p := range r.To {
						if p.IPBlock == nil || !slices.Contains(p.IPBlock.Except, "10.0.0.0/8") {
							t.Errorf("discord-egress reaches %+v, want public addresses only", p)
						}
					}
				}
			}
		})
	}
}

// openPorts collects the ports opened for pods with these labels, as "PROTO/port".
func openPorts(t *testing.T, pols []*networkingv1.NetworkPolicy, podLabels labels.Set) (egress, ingress []string) {
	t.Helper()
	add := func(list *[]string, ports []networkingv1.NetworkPolicyPort) {
		if len(ports) == 0 {
			*list = append(*list, "all")
			return
		}
		for _, p := range ports {
			proto := "TCP"
			if p.Protocol != nil {
				proto = string(*p.Protocol)
			}
			*list = append(*list, fmt.Sprintf("%s/%s", proto, p.Port.String()))
		}
	}
	for _, np := range pols {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			t.Fatal(err)
		}
		if !sel.Matches(podLabels) {
			continue
		}
		for _, r := range np.Spec.Egress {
			add(&egress, r.Ports)
		}
		for _, r := range np.Spec.Ingress {
			add(&ingress, r.Ports)
		}
	}
	return dedupe(egress), dedupe(ingress)
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func sameSet(a, b []string) bool {
	return strings.Join(dedupe(slices.Clone(a)), ",") == strings.Join(dedupe(slices.Clone(b)), ",")
}
