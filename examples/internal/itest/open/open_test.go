// Package open runs the integration matrix against the registries of other
// lineages than distribution, in-process and without auth:
// go-containerregistry v0.22.1 (pkg/registry, in memory, referrers on) and
// CUE's ociregistry (ociserver over ocimem). Each subtest is one registry.
package open

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/cuereg"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
	"github.com/registrytest/registrytest/examples/internal/testreg"
)

// registries are the open registries, each with the real bugs the suite
// must keep finding on it (issue 12's lists) and the scenarios that report
// them.
var registries = []struct {
	name  string
	start func(testing.TB) *testreg.Registry
	bugs  []itest.Bug
}{
	{"ggcr", func(t testing.TB) *testreg.Registry { return ggcrreg.Start(t, ggcrreg.Options{}) }, []itest.Bug{
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
	}},
	{"cue", func(t testing.TB) *testreg.Registry { return cuereg.Start(t, cuereg.Options{}) }, []itest.Bug{
		{What: "PUT /v2/<name>/manifests/ with an empty reference panics the server", Scenarios: []string{"name-tag-missing"}},
		{What: "a manifest deleted by digest leaves its tag listed and HEAD on the tag answers 200", Scenarios: []string{"del-manifest-drops-tag", "del-manifest-head-tag"}},
		{What: `an empty referrers list is "manifests": null`, Scenarios: []string{"ref-empty"}},
		{What: "a schema1 body sent as OCI gets 500", Scenarios: []string{"valid-content-type-mismatch/oci-type"}},
		{What: "POST ?digest= with a wrong digest gets 500", Scenarios: []string{"blob-bad-digest/sha256-post-only"}},
		{What: "a manifest with absent references gets 500, not MANIFEST_BLOB_UNKNOWN", Scenarios: []string{"valid-missing-blob-ref/oci"}},
		{What: "Range bytes=-500 answers 416", Scenarios: []string{"read-range"}},
		{What: "tags/list?n=0 lists every tag", Scenarios: []string{"tags-paging-n-zero"}},
	}},
}

// TestConformance runs every scenario against a fresh registry of each
// kind; the known deviations (conftarget.Deviations) are reported as
// skips.
func TestConformance(t *testing.T) {
	for _, r := range registries {
		t.Run(r.name, func(t *testing.T) {
			target, err := conftarget.New(t.Context(), r.start(t))
			if err != nil {
				t.Fatal(err)
			}
			itest.RunConformanceOn(t, target)
		})
	}
}

// TestBugsFound checks that the suite still reports each real bug of each
// registry, by the scenario that owns it.
func TestBugsFound(t *testing.T) {
	for _, r := range registries {
		t.Run(r.name, func(t *testing.T) {
			target, err := conftarget.New(t.Context(), r.start(t))
			if err != nil {
				t.Fatal(err)
			}
			itest.CheckBugsFound(t, target, r.bugs)
		})
	}
}

// TestPushTwice pushes the same image twice to each registry with the
// default options.
func TestPushTwice(t *testing.T) {
	for _, r := range registries {
		t.Run(r.name, func(t *testing.T) { itest.PushTwice(t, r.start(t)) })
	}
}
