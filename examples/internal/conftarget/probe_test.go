package conftarget_test

import (
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/distv3"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// TestProbe measures go-containerregistry's and CUE's registries with Probe
// and compares the capabilities found with the lists of Capabilities, which
// were measured with the suite: the probes and the lists must agree.
func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name string
		reg  *testreg.Registry
	}{
		{"ggcr", ggcrreg.Start(t, ggcrreg.Options{})},
		{"cue", cuereg.Start(t, cuereg.Options{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := conftarget.Probe(t.Context(), conftarget.ProbeOptions{URL: tc.reg.URL, Owner: conftarget.OpenOwner("probe")})
			if err != nil {
				t.Fatalf("Probe(%s) = %v", tc.reg.Name, err)
			}
			for _, f := range p.Findings {
				t.Logf("%s %v: %s", f.Capability, f.Has, f.How)
			}
			if p.PushErr != nil || p.Challenge != "" {
				t.Fatalf("Probe(%s): PushErr %v, Challenge %q, want nil and none", tc.reg.Name, p.PushErr, p.Challenge)
			}
			got, want := sorted(p.Capabilities()), sorted(conftarget.Capabilities(tc.reg.Name, false))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Probe(%s).Capabilities() mismatch with Capabilities (-want +got):\n%s", tc.reg.Name, diff)
			}
		})
	}
}

// TestProbeAuth probes a registry with token auth: without credentials it
// says what to give; with the owner's it finds auth and token.
func TestProbeAuth(t *testing.T) {
	reg := distv3.Start(t, conftarget.Options())
	p, err := conftarget.Probe(t.Context(), conftarget.ProbeOptions{URL: reg.URL})
	if err != nil {
		t.Fatal(err)
	}
	if p.Challenge != "Bearer" || p.PushErr == nil {
		t.Errorf("Probe(anonymous) = Challenge %q, PushErr %v, want Bearer and an error that asks for -owner", p.Challenge, p.PushErr)
	}
	owner := conformance.User{Name: "owner", Password: conftarget.Password("owner"), Namespace: conftarget.OwnerNamespace}
	p, err = conftarget.Probe(t.Context(), conftarget.ProbeOptions{URL: reg.URL, Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Findings {
		t.Logf("%s %v: %s", f.Capability, f.Has, f.How)
	}
	if p.PushErr != nil {
		t.Fatalf("Probe(owner).PushErr = %v, want nil", p.PushErr)
	}
	// Capabilities lists what the suite measured; roles come from the
	// target's users, not from a probe. Distribution v3 takes a sha512
	// blob and serves it by its sha512 digest (the probe), but its
	// Capabilities leave sha512 out, as measured with the suite's sha512
	// scenarios.
	want := slices.DeleteFunc(sorted(conftarget.Capabilities(reg.Name, false)), func(c conformance.Capability) bool { return c == conformance.Roles })
	got := slices.DeleteFunc(sorted(p.Capabilities()), func(c conformance.Capability) bool { return c == conformance.SHA512 })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Probe(owner).Capabilities() mismatch with Capabilities (-want +got):\n%s", diff)
	}
}

func sorted(cs []conformance.Capability) []conformance.Capability {
	cs = slices.Clone(cs)
	slices.Sort(cs)
	return cs
}

// TestDeviationsMatch checks that every known deviation of every family
// names at least one scenario (ID, ID/param, or a pattern over them) and
// says which spec sentence it breaks where the family is not
// distribution's.
func TestDeviationsMatch(t *testing.T) {
	var names []string
	for _, s := range conformance.Scenarios() {
		names = append(names, s.ID)
		for _, p := range s.Params {
			names = append(names, s.ID+"/"+p)
		}
	}
	for _, reg := range []string{"distribution-v3.1.2", "docker-distribution-v2.8.3", "debian-docker-registry-2.8.2", ggcrreg.Name, cuereg.Name} {
		for k, v := range conftarget.Deviations(reg) {
			matched := slices.ContainsFunc(names, func(n string) bool {
				ok, _ := path.Match(k, n)
				return ok
			})
			if !matched {
				t.Errorf("Deviations(%s)[%q]: no scenario has that name or matches it", reg, k)
			}
			if (reg == ggcrreg.Name || reg == cuereg.Name) && !strings.Contains(v, `"`) {
				t.Errorf("Deviations(%s)[%q] = %q, want the spec sentence it breaks, quoted", reg, k, v)
			}
		}
	}
}
