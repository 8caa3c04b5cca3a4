// Package ggcr runs the conformance suite against go-containerregistry v0.22.1 (pkg/registry, in memory, referrers on),
// in-process and without auth, as the integration matrix does for the
// distribution registries.
package ggcr

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

// TestConformance runs every scenario against a fresh registry; its known
// deviations (conftarget.Deviations) are reported as skips.
func TestConformance(t *testing.T) {
	reg := ggcrreg.Start(t, ggcrreg.Options{})
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	itest.RunConformanceOn(t, target)
}
