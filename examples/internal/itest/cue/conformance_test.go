// Package cue runs the conformance suite against CUE's ociregistry (ociserver over ocimem),
// in-process and without auth, as the integration matrix does for the
// distribution registries.
package cue

import (
	"testing"

	"github.com/registrytest/registrytest/conformance"
	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

// TestConformance runs every scenario against a fresh registry; its known
// deviations (conftarget.Deviations) are reported as skips.
func TestConformance(t *testing.T) {
	itest.RunConformanceOn(t, newTarget(t))
}

// TestBugsFound names each real bug of CUE's ociregistry that the suite
// must keep finding, and the scenario that reports it.
func TestBugsFound(t *testing.T) {
	target := newTarget(t)
	itest.CheckBugsFound(t, target, []itest.Bug{
		{What: "PUT /v2/<name>/manifests/ with an empty reference panics the server", Scenarios: []string{"name-tag-missing"}},
		{What: "a manifest deleted by digest leaves its tag listed and HEAD on the tag answers 200", Scenarios: []string{"del-manifest-drops-tag", "del-manifest-head-tag"}},
		{What: `an empty referrers list is "manifests": null`, Scenarios: []string{"ref-empty"}},
		{What: "a schema1 body sent as OCI gets 500", Scenarios: []string{"valid-content-type-mismatch/oci-type"}},
		{What: "POST ?digest= with a wrong digest gets 500", Scenarios: []string{"blob-bad-digest/sha256-post-only"}},
		{What: "a manifest with absent references gets 500, not MANIFEST_BLOB_UNKNOWN", Scenarios: []string{"valid-missing-blob-ref/oci"}},
		{What: "Range bytes=-500 answers 416", Scenarios: []string{"read-range"}},
		{What: "tags/list?n=0 lists every tag", Scenarios: []string{"tags-paging-n-zero"}},
	})
}

// TestPushTwice pushes the same image twice with the default options.
func TestPushTwice(t *testing.T) {
	itest.PushTwice(t, cuereg.Start(t, cuereg.Options{}))
}

// newTarget starts a registry for the test and returns its target.
func newTarget(t *testing.T) *conformance.Target {
	reg := cuereg.Start(t, cuereg.Options{})
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	return target
}
