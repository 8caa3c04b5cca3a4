package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// catalogue is the scenario catalogue (SCENARIOS.md, section 2) by area,
// in its order: 117 IDs.
var catalogue = map[string][]string{
	areaAuth: {"ping", "auth-invalid-credentials", "auth-login-bad", "auth-credential-kinds", "auth-scope-owner",
		"auth-scope-denied", "auth-scope-reduced", "auth-scope-multi", "auth-pull-no-access", "auth-pull-public-anonymous",
		"auth-anonymous-off", "auth-org-member-access", "name-repo-valid", "name-repo-too-long", "name-repo-nested",
		"name-tag-valid", "name-tag-missing", "name-tag-invalid", "name-single-component", "name-library-alias"},
	areaBlobs:  {"blob-stream-patch", "blob-post-put", "blob-post-digest", "blob-well-known", "blob-bad-digest"},
	areaChunks: {"chunk-in-order", "chunk-last-in-put", "chunk-gap-416", "chunk-overlap-416"},
	areaMount:  {"mount-ok", "mount-no-access", "mount-missing-blob", "mount-no-from", "mount-empty-layers"},
	areaCancel: {"cancel-upload"},
	areaReads:  {"read-blob-missing", "read-blob-other-repo", "read-range", "read-range-invalid"},
	areaSchema2: {"push-pull-basic", "push-empty-layer", "push-empty-layer-again", "push-multi-layer-uncompressed",
		"push-overwrite-tag", "push-same-blob-twice", "manifest-no-layers", "manifest-foreign-layers"},
	areaSchema1: {"s1-bad-parent-chain", "s1-down-convert"},
	areaOCI: {"oci-image", "oci-image-uncompressed", "oci-large-manifest", "oci-artifact", "oci-artifact-no-layers",
		"oci-data-field", "oci-custom-fields"},
	areaLists: {"list-push-pull", "list-push-again", "list-duplicate-child", "list-missing-child", "list-arch-mismatch",
		"list-fallback-amd64", "list-fallback-no-amd64", "list-nested-index", "list-empty-index", "list-artifact-index"},
	areaNegotiation: {"neg-pull-by-digest", "neg-push-by-digest", "neg-tag-param", "neg-cross-format", "neg-old-accept",
		"neg-manifest-missing"},
	areaUnicode: {"uni-escaped", "uni-raw"},
	areaValidation: {"valid-missing-blob-ref", "valid-config-no-history", "valid-content-type-mismatch",
		"valid-digest-mismatch", "valid-digest-malformed"},
	areaDelete:    {"del-manifest-drops-tag", "del-manifest-retagged", "del-manifest-head-tag", "del-then-pull-by-digest", "del-tag", "del-blob"},
	areaTags:      {"tags-list", "tags-list-empty-repo", "tags-paging-n", "tags-paging-last", "tags-paging-n-zero"},
	areaCatalog:   {"cat-paging", "cat-anonymous-private", "cat-anonymous-public"},
	areaReferrers: {"ref-empty", "ref-artifacts", "ref-filter", "ref-index-subject", "ref-missing-subject"},
	areaStates: {"state-registry-readonly", "state-repo-readonly", "state-repo-normal", "state-repo-mirror-robot",
		"state-repo-mirror-denied", "state-repo-mirror-misconfigured", "state-ns-disabled", "state-ns-disabled-catalog",
		"state-library-off", "state-library-off-explicit", "state-app-repo", "state-geo-blocked", "state-preloaded"},
	areaSHA512: {"sha512-manifests", "sha512-tag-param"},
	areaDocker: {"docker-api-version", "docker-upload-uuid", "docker-content-digest", "docker-list-content-type"},
}

// TestCoverage checks that the suite has every scenario of the catalogue,
// under its ID and area, in the catalogue's order, and nothing else.
func TestCoverage(t *testing.T) {
	var want, got []string
	n := 0
	for _, a := range Areas() {
		for _, id := range catalogue[a] {
			want = append(want, a+": "+id)
			n++
		}
	}
	if n != 117 {
		t.Fatalf("the catalogue in this test has %d IDs, want 117", n)
	}
	for _, s := range Scenarios() {
		got = append(got, s.Area+": "+s.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scenarios() mismatch with the catalogue (-want +got):\n%s", diff)
	}
}

// TestKnown checks how Target.Known turns a failure of a listed scenario
// into a skip, a pass of a listed one into a failure, and matches patterns.
func TestKnown(t *testing.T) {
	fail := func(e *Env) error { return e.Errorf("GET /v2/ = 500, want 200") }
	pass := func(e *Env) error { return nil }
	list := []Scenario{
		{ID: "a", Area: "A", Params: []string{"x-1", "y-1"}, Run: fail},
		{ID: "b", Area: "A", Run: pass},
		{ID: "c", Area: "A", Run: fail},
	}
	target := &Target{Name: "fake", URL: "http://127.0.0.1:1", Known: map[string]string{
		"*/x-*": "x is known", "b": "b was known", "c": "c is known",
	}}
	rep := Check(t.Context(), target, WithScenarios(list))
	type row struct{ Name, Outcome, Detail string }
	var got []row
	for _, r := range rep.Results {
		got = append(got, row{r.Name(), string(r.Outcome), r.Detail})
	}
	want := []row{
		{"a/x-1", "skip", "known deviation: x is known: GET /v2/ = 500, want 200"},
		{"a/y-1", "FAIL", "GET /v2/ = 500, want 200"},
		{"b", "FAIL", "passed, but the target lists it as a known deviation (update Target.Known): b was known"},
		{"c", "skip", "known deviation: c is known: GET /v2/ = 500, want 200"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check with Known mismatch (-want +got):\n%s", diff)
	}
}

// TestRequires checks that every scenario names the requirements it
// enforces, each with a level this package defines, a source, and a
// sentence or a link to read it at: a scenario's error is judged by its
// first requirement (see judge), and SCENARIOS.md quotes them.
func TestRequires(t *testing.T) {
	levels := []Level{Must, MustNot, Should, ShouldNot, May}
	for _, s := range Scenarios() {
		if len(s.Requires) == 0 {
			t.Errorf("scenario %s has no Requires: name the requirement it enforces (its error is judged as a MUST meanwhile)", s.ID)
			continue
		}
		for i, r := range s.Requires {
			if !slices.Contains(levels, r.Level) {
				t.Errorf("scenario %s: Requires[%d].Level = %q, want one of %q", s.ID, i, r.Level, levels)
			}
			if r.Source == "" {
				t.Errorf("scenario %s: Requires[%d].Source is empty", s.ID, i)
			}
			if r.Text == "" && r.URL == "" {
				t.Errorf("scenario %s: Requires[%d] has neither Text nor URL", s.ID, i)
			}
			if r.URL != "" && !strings.HasPrefix(r.URL, "https://") {
				t.Errorf("scenario %s: Requires[%d].URL = %q, want an https URL", s.ID, i, r.URL)
			}
		}
	}
}
