// Package quay runs the conformance suite against Quay served from its
// source tree (internal/quayreg). It needs QUAY_TREE and QUAY_VENV (see
// quayreg.SetUp) and skips without them, even under CI=true: CI cannot
// reach Quay's sources.
package quay

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/itest"
	"github.com/registrytest/registrytest/examples/internal/quayreg"
)

// TestConformance runs the whole suite against Quay with failures.Quay,
// Quay's users by role, its capabilities, its Control and its known
// deviations (quayreg.NewTarget).
func TestConformance(t *testing.T) {
	o := quayreg.SkipUnlessSetUp(t)
	o.Features = quayreg.Features()
	r, err := quayreg.Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(r.Log())
		}
		r.Close()
	})
	target, err := quayreg.NewTarget(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	itest.RunConformanceOn(t, target)
}
