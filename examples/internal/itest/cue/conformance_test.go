// Package cue runs the conformance suite against CUE's ociregistry (ociserver over ocimem),
// in-process and without auth, as the integration matrix does for the
// distribution registries.
package cue

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

// TestConformance runs every scenario against a fresh registry; its known
// deviations (conftarget.Deviations) are reported as skips.
func TestConformance(t *testing.T) {
	reg := cuereg.Start(t, cuereg.Options{})
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	itest.RunConformanceOn(t, target)
}
