package serve

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

const manifests = "../../deploy/kubernetes/"

// decodeManifest reads one manifest strictly into Kubernetes' own type:
// a field the API does not have, or a value of the wrong type, fails.
func decodeManifest(t *testing.T, name string, into any, kind string) {
	t.Helper()
	b, err := os.ReadFile(manifests + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var meta struct {
		Kind string `json:"kind"`
	}
	if err := yaml.Unmarshal(b, &meta); err != nil || meta.Kind != kind {
		t.Fatalf("%s is a %q, want %s", name, meta.Kind, kind)
	}
}

// The manifests under deploy/kubernetes keep docs/broker.md's promises: two
// or more replicas that are ready when /healthz answers, non-root, on a
// read-only root filesystem, without privilege, within resource limits,
// with the key from a Secret file; a Service, a PodDisruptionBudget and an
// HPA that all find those pods.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(manifests + "*.yaml")
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"deployment.yaml", "hpa.yaml", "pdb.yaml", "service.yaml"}; !slices.Equal(names, want) {
		t.Errorf("manifests %v, want %v (each checked here)", names, want)
	}

	var dep appsv1.Deployment
	decodeManifest(t, "deployment.yaml", &dep, "Deployment")
	labels := dep.Spec.Template.Labels
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Error("fewer than 2 replicas")
	}
	if dep.Spec.Selector == nil || !matches(dep.Spec.Selector.MatchLabels, labels) {
		t.Error("the Deployment's selector does not match its pods")
	}
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "serve" || !slices.ContainsFunc(c.Args, prefixed("--audience=")) {
		t.Errorf("args %q: serve with an audience", c.Args)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 || ":"+fmt.Sprint(c.Ports[0].ContainerPort) != DefaultListen {
		t.Errorf("ports %v, want the broker's default %s", c.Ports, DefaultListen)
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != pathHealth || p.HTTPGet.Port.String() != c.Ports[0].Name {
			t.Errorf("%s probe %+v, want GET %s on the http port", name, p, pathHealth)
		}
	}
	ps, cs := pod.SecurityContext, c.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
		t.Error("the pod may run as root")
	}
	if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem {
		t.Error("the root filesystem is writable")
	}
	if cs == nil || cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation || cs.Privileged != nil && *cs.Privileged {
		t.Error("privilege escalation is not denied")
	}
	if cs == nil || cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") || len(cs.Capabilities.Add) > 0 {
		t.Error("capabilities are not all dropped")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: request %v, limit %v", r, req.String(), lim.String())
		}
	}
	if lim := c.Resources.Limits[corev1.ResourceMemory]; lim.Cmp(resource.MustParse("96Mi")) < 0 {
		t.Errorf("memory limit %v, under the broker's 96 MiB peak", lim.String())
	}
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds <= int64(DefaultDrainTimeout.Seconds()) {
		t.Errorf("terminationGracePeriodSeconds does not leave the %s drain its time", DefaultDrainTimeout)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the pod gets a Kubernetes API token it never needs")
	}
	// The key: a file from a Secret, mounted read-only, that --private-key-file names.
	var keyFile string
	for _, a := range c.Args {
		keyFile = strings.TrimPrefix(a, "--private-key-file=")
		if keyFile != a {
			break
		}
		keyFile = ""
	}
	found := false
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil && m.ReadOnly && keyFile != "" && strings.HasPrefix(keyFile, m.MountPath+"/") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("--private-key-file %q is not a file of a Secret mounted read-only", keyFile)
	}

	var svc corev1.Service
	decodeManifest(t, "service.yaml", &svc, "Service")
	if !matches(svc.Spec.Selector, labels) || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != c.Ports[0].Name {
		t.Errorf("the Service does not reach the pods' http port: %+v", svc.Spec)
	}

	var pdb policyv1.PodDisruptionBudget
	decodeManifest(t, "pdb.yaml", &pdb, "PodDisruptionBudget")
	if pdb.Spec.Selector == nil || !matches(pdb.Spec.Selector.MatchLabels, labels) {
		t.Error("the PodDisruptionBudget's selector does not match the pods")
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 || pdb.Spec.MinAvailable.IntValue() >= int(*dep.Spec.Replicas) {
		t.Errorf("minAvailable %v: at least one, and fewer than the replicas so that a node can drain", pdb.Spec.MinAvailable)
	}

	var hpa autoscalingv2.HorizontalPodAutoscaler
	decodeManifest(t, "hpa.yaml", &hpa, "HorizontalPodAutoscaler")
	ref := hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != dep.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("the HPA targets %+v, not the Deployment %s", ref, dep.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Error("the HPA may scale under 2 replicas")
	}
}

// matches reports whether selector selects a pod with labels.
func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func prefixed(p string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, p) }
}
