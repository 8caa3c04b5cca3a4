package v2proto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// requestLines returns m's requests after the ping as "METHOD path".
func requestLines(m *memRegistry) []string {
	var out []string
	for _, r := range m.requests() {
		if r.URL.Path != "/v2/" {
			out = append(out, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/v2/"+pullRepo))
		}
	}
	return out
}

func TestDelete(t *testing.T) {
	a := buildImage(t, Schema2, pullRepo, "", fixtures.Basic())
	b := buildImage(t, OCI, pullRepo, "", fixtures.Different())
	ctx := context.Background()
	tests := []struct {
		name string
		refs []string
		opts []CallOption
		want []string
	}{
		{"by digest", []string{string(a.digest)}, nil, []string{
			"DELETE /manifests/" + string(a.digest),
			"GET /manifests/" + string(a.digest)}},
		{"by tag", []string{"one", "two"}, nil, []string{
			"HEAD /manifests/one", "DELETE /manifests/" + string(a.digest), "GET /manifests/one", "GET /manifests/" + string(a.digest),
			"HEAD /manifests/two", "DELETE /manifests/" + string(b.digest), "GET /manifests/two", "GET /manifests/" + string(b.digest)}},
		{"by tag as is", []string{"one"}, []CallOption{WithDeleteByTag()}, []string{
			"DELETE /manifests/one", "GET /manifests/one"}},
		{"no check", []string{"one"}, []CallOption{WithoutDeleteCheck()}, []string{
			"HEAD /manifests/one", "DELETE /manifests/" + string(a.digest)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemRegistry(t, pullRepo)
			m.put("one", a)
			m.put("two", b)
			if err := memClient(t, m).Delete(ctx, pullRepo, tt.refs, tt.opts...); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if diff := cmp.Diff(tt.want, requestLines(m)); diff != "" {
				t.Errorf("requests mismatch (-want +got):\n%s", diff)
			}
			for _, r := range m.requests() {
				if r.Method != http.MethodDelete && strings.Contains(r.URL.Path, "/manifests/") && !strings.Contains(r.Header.Get("Accept"), "application/vnd.oci.image.manifest.v1+json") {
					t.Errorf("%s %s with Accept %q, want every manifest type", r.Method, r.URL.Path, r.Header.Get("Accept"))
				}
			}
		})
	}
}

func TestDeleteFailures(t *testing.T) {
	a := buildImage(t, Schema2, pullRepo, "", fixtures.Basic())
	ctx := context.Background()

	m := newMemRegistry(t, pullRepo)
	m.put("one", a)
	c := memClient(t, m)
	// unknown-tag at head-manifest (a tag) and at delete-manifest (a
	// digest).
	for _, ref := range []string{"nope", string(buildImage(t, OCI, pullRepo, "", fixtures.Basic()).digest)} {
		if err := c.Delete(ctx, pullRepo, []string{ref}, ExpectFailure(failures.UnknownTag)); err != nil {
			t.Errorf("Delete(%s) expecting unknown-tag: %v", ref, err)
		}
		err := c.Delete(ctx, pullRepo, []string{ref})
		var se *StatusError
		if !errors.As(err, &se) || se.Got != 404 {
			t.Errorf("Delete(%s): %v, want a 404 *StatusError", ref, err)
		}
	}

	// A registry that answers 202 and keeps the manifest.
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusAccepted)
			return true
		}
		return false
	}
	err := c.Delete(ctx, pullRepo, []string{string(a.digest)})
	want := fmt.Sprintf("GET /v2/%s/manifests/%s = 200, want 404 (get-manifest)", pullRepo, a.digest)
	if err == nil || err.Error() != want {
		t.Errorf("Delete on a registry that keeps the manifest: %v\nwant %s", err, want)
	}
	// The check is not subject to the expected failure: with Quay's table
	// at get-manifest only (its 2020 entries), a 404 there does not meet it.
	m.override = nil
	quay2020 := failures.Quay.Without(failures.DeleteManifest, failures.UnknownTag).Without(failures.HeadManifest, failures.UnknownTag)
	qc := memClient(t, m, WithTable(quay2020))
	err = qc.Delete(ctx, pullRepo, []string{string(a.digest)}, ExpectFailure(failures.UnknownTag))
	var mf *MissedFailureError
	if !errors.As(err, &mf) {
		t.Errorf("Delete with Quay's table expecting unknown-tag: %v, want a *MissedFailureError", err)
	}

	// A HEAD without Docker-Content-Digest.
	m2 := newMemRegistry(t, pullRepo)
	m2.put("one", a)
	m2.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodHead {
			return true // 200, no headers
		}
		return false
	}
	// The header is OPTIONAL: the tag's manifest is fetched, and the
	// digest of its body deleted.
	if err := memClient(t, m2).Delete(ctx, pullRepo, []string{"one"}); err != nil {
		t.Errorf("Delete with a HEAD lacking the digest: %v", err)
	}
	var got []string
	for _, r := range m2.requests() {
		got = append(got, r.Method+" "+r.URL.Path)
	}
	wantReqs := []string{"GET /v2/",
		"HEAD /v2/" + pullRepo + "/manifests/one", "GET /v2/" + pullRepo + "/manifests/one",
		"DELETE /v2/" + pullRepo + "/manifests/" + string(a.digest),
		"GET /v2/" + pullRepo + "/manifests/one", "GET /v2/" + pullRepo + "/manifests/" + string(a.digest)}
	if diff := cmp.Diff(wantReqs, got); diff != "" {
		t.Errorf("Delete with a HEAD lacking the digest: requests (-want +got):\n%s", diff)
	}
}

func TestDeleteBlob(t *testing.T) {
	a := buildImage(t, Schema2, pullRepo, "", fixtures.Basic())
	layer := fixtures.Basic()[0].Layer.Digest()
	ctx := context.Background()
	m := newMemRegistry(t, pullRepo)
	m.put("one", a)
	c := memClient(t, m)
	if err := c.DeleteBlob(ctx, pullRepo, layer); err != nil {
		t.Fatalf("DeleteBlob: %v", err)
	}
	want := []string{"DELETE /blobs/" + string(layer), "HEAD /blobs/" + string(layer)}
	if diff := cmp.Diff(want, requestLines(m)); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	// Again: 404 BLOB_UNKNOWN, which no failure of the table maps.
	err := c.DeleteBlob(ctx, pullRepo, layer)
	wantErr := fmt.Sprintf("DELETE /v2/%s/blobs/%s = 404 BLOB_UNKNOWN, want 202 (delete-blob)", pullRepo, layer)
	if err == nil || err.Error() != wantErr {
		t.Errorf("second DeleteBlob: %v\nwant %s", err, wantErr)
	}
	if err := c.DeleteBlob(ctx, pullRepo, "sha256:nope"); err == nil || !strings.HasPrefix(err.Error(), `v2proto: DeleteBlob("sha256:nope")`) {
		t.Errorf("DeleteBlob of a bad digest: %v", err)
	}
}
