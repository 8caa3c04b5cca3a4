// Package ggcr runs the conformance suite against go-containerregistry v0.22.1 (pkg/registry, in memory, referrers on),
// in-process and without auth, as the integration matrix does for the
// distribution registries.
package ggcr

import (
	"testing"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

// TestConformance runs every scenario against a fresh registry; its known
// deviations (conftarget.Deviations) are reported as skips.
func TestConformance(t *testing.T) {
	itest.RunConformanceOn(t, newTarget(t))
}

// TestBugsFound names each real bug of go-containerregistry v0.22.1 that
// the suite must keep finding, and the scenario that reports it.
func TestBugsFound(t *testing.T) {
	target := newTarget(t)
	itest.CheckBugsFound(t, target, []itest.Bug{
		{What: "one blob store for all repositories: HEAD of a blob never pushed to the repository is 200", Scenarios: []string{"read-blob-other-repo"}},
		{What: "tags still resolve after their manifest is deleted by digest", Scenarios: []string{"del-manifest-drops-tag", "del-manifest-head-tag"}},
		{What: "?last=X returns X when nothing sorts after it", Scenarios: []string{"tags-paging-last"}},
		{What: "invalid and empty tags accepted", Scenarios: []string{"name-tag-invalid", "name-tag-missing"}},
		{What: "MANIFEST_UNKNOWN for an index whose child is missing", Scenarios: []string{"list-missing-child"}},
		{What: "a 201 without Location", Scenarios: []string{"blob-post-put", "blob-post-digest", "oci-image"}},
		{What: "GET of an upload session is 400", Scenarios: []string{"chunk-in-order"}},
		{What: "no OCI-Subject", Scenarios: []string{"ref-artifacts"}},
		{What: "a manifest PUT under a digest that is not its own accepted", Scenarios: []string{"valid-digest-mismatch"}},
		{What: "DELETE of a missing blob is 500", Scenarios: []string{"del-blob"}},
		{What: "Range bytes=500- answers 416", Scenarios: []string{"read-range"}},
		{What: "a final chunk out of order in the closing PUT is not refused with 416", Scenarios: []string{"chunk-gap-416/sha256-gap-in-put"}},
	})
}

// TestPushTwice pushes the same image twice with the default options.
func TestPushTwice(t *testing.T) {
	itest.PushTwice(t, ggcrreg.Start(t, ggcrreg.Options{}))
}

// newTarget starts a registry for the test and returns its target.
func newTarget(t *testing.T) *conformance.Target {
	reg := ggcrreg.Start(t, ggcrreg.Options{})
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	return target
}
