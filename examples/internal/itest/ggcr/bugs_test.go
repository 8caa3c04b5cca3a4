package ggcr

import (
	"testing"

	"github.com/registrytest/registrytest/examples/internal/conftarget"
	"github.com/registrytest/registrytest/examples/internal/ggcrreg"
	"github.com/registrytest/registrytest/examples/internal/itest"
)

// TestBugsFound names each real bug of go-containerregistry v0.22.1 that
// the suite must keep finding, and the scenario that reports it.
func TestBugsFound(t *testing.T) {
	reg := ggcrreg.Start(t, ggcrreg.Options{})
	target, err := conftarget.New(t.Context(), reg)
	if err != nil {
		t.Fatal(err)
	}
	itest.CheckBugsFound(t, target, []itest.Bug{
		{"one blob store for all repositories: HEAD of a blob never pushed to the repository is 200", []string{"read-blob-other-repo"}},
		{"tags still resolve after their manifest is deleted by digest", []string{"del-manifest-drops-tag", "del-manifest-head-tag"}},
		{"?last=X returns X when nothing sorts after it", []string{"tags-paging-last"}},
		{"invalid and empty tags accepted", []string{"name-tag-invalid", "name-tag-missing"}},
		{"MANIFEST_UNKNOWN for an index whose child is missing", []string{"list-missing-child"}},
		{"a 201 without Location", []string{"blob-post-put", "blob-post-digest", "oci-image"}},
		{"GET of an upload session is 400", []string{"chunk-in-order"}},
		{"no OCI-Subject", []string{"ref-artifacts"}},
		{"a manifest PUT under a digest that is not its own accepted", []string{"valid-digest-mismatch"}},
		{"DELETE of a missing blob is 500", []string{"del-blob"}},
		{"Range bytes=500- answers 416", []string{"read-range"}},
		{"a final chunk out of order in the closing PUT is not refused with 416", []string{"chunk-gap-416/sha256-gap-in-put"}},
	})
}
