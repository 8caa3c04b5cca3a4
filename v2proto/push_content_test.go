package v2proto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// rawIndex returns an OCI index of children (each a Content) with an
// optional subject.
func rawIndex(t *testing.T, subject *Content, tags []string, children ...Content) Content {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `{"schemaVersion":2,"mediaType":%q,"manifests":[`, v1.MediaTypeImageIndex)
	for i, c := range children {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"mediaType":%q,"digest":%q,"size":%d}`, c.MediaType, c.Digest, len(c.Bytes))
	}
	b.WriteString("]")
	if subject != nil {
		fmt.Fprintf(&b, `,"subject":{"mediaType":%q,"digest":%q,"size":%d}`, subject.MediaType, subject.Digest, len(subject.Bytes))
	}
	b.WriteString("}")
	c, err := ParseContent(v1.MediaTypeImageIndex, []byte(b.String()), nil, tags...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawArtifact returns an OCI artifact manifest of one blob whose subject
// is subject.
func rawArtifact(t *testing.T, blob Blob, subject Content, tags ...string) Content {
	t.Helper()
	empty := BytesBlob([]byte("{}"))
	body := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"artifactType":"application/vnd.example+type",`+
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":%q,"size":2},`+
		`"layers":[{"mediaType":"application/octet-stream","digest":%q,"size":%d}],`+
		`"subject":{"mediaType":%q,"digest":%q,"size":%d}}`,
		v1.MediaTypeImageManifest, empty.Digest(), blob.Digest(), blob.Size(), subject.MediaType, subject.Digest, len(subject.Bytes))
	c, err := ParseContent(v1.MediaTypeImageManifest, []byte(body), []Blob{empty, blob}, tags...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func imageContent(t *testing.T, s Schema, images []fixtures.Image, tags ...string) Content {
	t.Helper()
	b, err := BuildManifest("r", "", images, WithSchema(s))
	if err != nil {
		t.Fatal(err)
	}
	return ContentOf(b, tags...)
}

// manifestPuts returns the references of the manifest PUTs f received.
func manifestPuts(f *pushFake, name string) []string {
	var puts []string
	for _, r := range f.requests() {
		if r.Method == http.MethodPut && strings.Contains(r.Path, "/manifests/") {
			puts = append(puts, strings.TrimPrefix(r.Path, "/v2/"+name+"/manifests/"))
		}
	}
	return puts
}

// TestPushContent pushes a graph given parents first: two images, an
// index of both, an index nesting it (tagged), and an artifact whose
// subject is the first image (tagged). The fake refuses a manifest whose
// blobs, children or subject it lacks, so the order is checked by the
// registry as well as by the test.
func TestPushContent(t *testing.T) {
	ctx := context.Background()
	a := imageContent(t, OCI, fixtures.Basic())
	b := imageContent(t, Schema2, fixtures.Different())
	inner := rawIndex(t, nil, nil, a, b)
	outer := rawIndex(t, nil, []string{"multi", "v1"}, inner)
	art := rawArtifact(t, BytesBlob([]byte("signature")), a, "sig")
	content := []Content{outer, art, inner, b, a}

	f := newPushFake(t)
	f.checkRefs = true
	res, err := f.client(t).PushContent(ctx, "r", content)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Complete {
		t.Fatalf("result %+v, want complete", res)
	}
	// Depth first: each content after its children (in their order) and
	// its subject; the rest in the order given.
	want := []string{string(a.Digest), string(b.Digest), string(inner.Digest), "multi", "v1", "sig"}
	if diff := cmp.Diff(want, manifestPuts(f, "r")); diff != "" {
		t.Errorf("PUTs (-want +got):\n%s", diff)
	}
	var children, tagged []string
	for _, m := range res.Children {
		children = append(children, string(m.Digest))
	}
	for _, m := range res.Manifests {
		tagged = append(tagged, m.Tag+"@"+string(m.Digest))
	}
	if diff := cmp.Diff([]string{string(a.Digest), string(b.Digest), string(inner.Digest)}, children); diff != "" {
		t.Errorf("Children (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"multi@" + string(outer.Digest), "v1@" + string(outer.Digest), "sig@" + string(art.Digest)}, tagged); diff != "" {
		t.Errorf("Manifests (-want +got):\n%s", diff)
	}
	if m := res.Manifest("multi"); m == nil || m.Put.Reference != "multi" || len(m.Children) != 1 || m.Children[0].Digest != inner.Digest {
		t.Errorf("Manifest(multi) = %+v, want put at the tag with its child", m)
	}
	// Every blob once.
	var wantBlobs []digest.Digest
	for _, c := range []Content{b, a, art} {
		for _, bl := range c.Blobs {
			if !slices.Contains(wantBlobs, bl.Digest()) {
				wantBlobs = append(wantBlobs, bl.Digest())
			}
		}
	}
	var gotBlobs []digest.Digest
	for _, r := range res.Blobs {
		gotBlobs = append(gotBlobs, r.Digest)
	}
	slices.Sort(wantBlobs)
	slices.Sort(gotBlobs)
	if diff := cmp.Diff(wantBlobs, gotBlobs); diff != "" {
		t.Errorf("blobs (-want +got):\n%s", diff)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("Skipped = %v, want none in a fresh repository", res.Skipped)
	}

	// Again: every blob is there and skipped, every manifest put again.
	res, err = f.client(t).PushContent(ctx, "r", content)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Skipped)
	if diff := cmp.Diff(wantBlobs, res.Skipped); diff != "" || !res.Complete {
		t.Errorf("second push: complete %v, Skipped (-want +got):\n%s", res.Complete, diff)
	}
}

// TestPushContentByDigest: an untagged content alone is put by digest;
// WithPushByDigest puts a tagged one at its digest, once per tag.
func TestPushContentByDigest(t *testing.T) {
	ctx := context.Background()
	a := imageContent(t, Schema2, fixtures.Basic())
	f := newPushFake(t)
	res, err := f.client(t).PushContent(ctx, "r", []Content{a})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Children) != 1 || res.Children[0].Put.Reference != string(a.Digest) || len(res.Manifests) != 0 {
		t.Errorf("result %+v, want one child put by digest", res)
	}
	a.Tags = []string{"x"}
	res, err = f.client(t).PushContent(ctx, "r", []Content{a}, WithPushByDigest())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Manifests) != 1 || res.Manifests[0].Put.Reference != string(a.Digest) || res.Manifests[0].Tag != "x" {
		t.Errorf("result %+v, want the tagged manifest put at its digest", res)
	}
}

// TestPushContentInvalid: a graph that cannot be pushed is refused before
// any exchange.
func TestPushContentInvalid(t *testing.T) {
	ctx := context.Background()
	a := imageContent(t, Schema2, fixtures.Basic())
	b := imageContent(t, Schema2, fixtures.Different())
	ix := rawIndex(t, nil, []string{"l"}, a, b)
	// Two indexes that list each other.
	loopA := Content{MediaType: v1.MediaTypeImageIndex, Bytes: []byte(`{"a":1}`), Digest: digest.FromString("A"), Children: []digest.Digest{digest.FromString("B")}}
	loopB := Content{MediaType: v1.MediaTypeImageIndex, Bytes: []byte(`{"b":1}`), Digest: digest.FromString("B"), Children: []digest.Digest{digest.FromString("A")}}
	other := a
	other.Bytes = append([]byte(" "), a.Bytes...)
	tests := []struct {
		name    string
		content []Content
		want    string
	}{
		{"missing child", []Content{ix, a}, fmt.Sprintf("content[0] (%s): Children[1] = %s, not the digest of a content of the push", ix.Digest, b.Digest)},
		{"cycle", []Content{loopA, loopB}, "refers to itself"},
		{"same digest, other bytes", []Content{a, other}, "content[0] and content[1] have the digest"},
		{"no media type", []Content{{Bytes: []byte("{}")}}, `content[0]: media type "", 2 bytes, want both`},
		{"nil blob", []Content{{MediaType: "x", Bytes: []byte("{}"), Blobs: []Blob{nil}}}, "Blobs[0] is nil"},
		{"bad digest", []Content{{MediaType: "x", Bytes: []byte("{}"), Digest: "sha256:zz"}}, `Digest "sha256:zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPushFake(t)
			_, err := f.client(t).PushContent(ctx, "r", tt.content)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PushContent: %v, want an error containing %q", err, tt.want)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests, want none", n)
			}
		})
	}
	// The same content twice is one, its tags joined.
	f := newPushFake(t)
	a1, a2 := a, a
	a1.Tags, a2.Tags = []string{"one"}, []string{"two"}
	if _, err := f.client(t).PushContent(ctx, "r", []Content{a1, a2}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"one", "two"}, manifestPuts(f, "r")); diff != "" {
		t.Errorf("PUTs (-want +got):\n%s", diff)
	}
}

// TestParseContent reads the children and subject of raw bytes.
func TestParseContent(t *testing.T) {
	a := imageContent(t, Schema2, fixtures.Basic())
	ix := rawIndex(t, &a, []string{"t"}, a)
	if diff := cmp.Diff([]digest.Digest{a.Digest}, ix.Children); diff != "" || ix.Subject != a.Digest || ix.Digest != digest.FromBytes(ix.Bytes) {
		t.Errorf("ParseContent = children %v, subject %s, digest %s; want [%s], %s, the bytes' (%s)", ix.Children, ix.Subject, ix.Digest, a.Digest, a.Digest, diff)
	}
	for _, body := range []string{"not json", "[]", "null", `"index"`} {
		if _, err := ParseContent(v1.MediaTypeImageIndex, []byte(body), nil); err == nil {
			t.Errorf("ParseContent(%q) of a body that is not a JSON object: nil error", body)
		}
	}
	s1, err := BuildManifest("r", "t", fixtures.Basic(), WithSchema(Schema1))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseContent(s1.MediaType, s1.Bytes, s1.Blobs)
	if err != nil || c.Digest != s1.Digest {
		t.Errorf("ParseContent of a signed schema1 manifest: digest %s, %v, want %s (the payload's)", c.Digest, err, s1.Digest)
	}
}

// TestPushTwice: pushing the same image (or list) twice to one repository
// with default options succeeds, the second push skipping every blob;
// HeadWantAbsent makes the second fail at the first blob, naming itself.
func TestPushTwice(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	c := f.client(t)
	images := fixtures.Basic()
	first, err := c.Push(ctx, "r", []string{"latest"}, images)
	if err != nil {
		t.Fatal(err)
	}
	posts := func() int {
		n := 0
		for _, r := range f.requests() {
			if r.Method == http.MethodPost {
				n++
			}
		}
		return n
	}
	before := posts()
	second, err := c.Push(ctx, "r", []string{"latest"}, images)
	if err != nil {
		t.Fatalf("second Push: %v", err)
	}
	if !second.Complete || len(second.Skipped) != len(first.Blobs) || posts() != before {
		t.Errorf("second Push: complete %v, skipped %d of %d blobs, %d more uploads; want every blob skipped, none uploaded",
			second.Complete, len(second.Skipped), len(first.Blobs), posts()-before)
	}
	for _, b := range second.Blobs {
		if !b.Skipped || !b.Finished {
			t.Errorf("blob %s: skipped %v, finished %v, want both", b.Digest, b.Skipped, b.Finished)
		}
	}
	_, err = c.Push(ctx, "r", []string{"latest"}, images, WithBlobChecks(BlobChecks{Head: HeadWantAbsent}))
	var se *StatusError
	var be *BlobError
	if !errors.As(err, &se) || !errors.As(err, &be) || se.Step != failures.BlobHeadCheck || se.Got != 200 || !strings.HasSuffix(err.Error(), "= 200, want 404 (blob-head-check, BlobChecks.Head HeadWantAbsent)") {
		t.Errorf("third Push with HeadWantAbsent: %v, want a *BlobError: HEAD = 200, want 404 (blob-head-check, BlobChecks.Head HeadWantAbsent)", err)
	}

	list := fixtures.QuayList()
	for i := range 2 {
		if _, err := c.PushList(ctx, "r", []string{"list"}, list, WithBuild(Build{ChildSchemas: []Schema{Schema1}})); err != nil {
			t.Errorf("PushList #%d: %v", i+1, err)
		}
	}
}

// TestPushManifestTolerates: a manifest PUT answered 201 without
// Docker-Content-Digest (OPTIONAL) or without Location (a MUST the client
// can go past) succeeds; the missing Location is recorded, and collected
// by PushResult.Tolerated with the blobs' lapses.
func TestPushManifestTolerates(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	f.mangle = func(r *http.Request, h http.Header, s int) int {
		if r.Method == http.MethodPut {
			h.Del("Location")
			h.Del("Docker-Content-Digest")
		}
		return s
	}
	c := f.client(t)
	body := []byte(`{"schemaVersion":2}`)
	res, err := c.PushManifest(ctx, "r", "t", v1.MediaTypeImageManifest, body)
	if err != nil {
		t.Fatal(err)
	}
	want := &ManifestResult{Reference: "t", Digest: digest.FromBytes(body), DigestComputed: true,
		Tolerated: []*ResponseError{{Step: failures.PutManifest, Method: "PUT", Path: "/v2/r/manifests/t", Status: 201, What: "Location", Got: `""`, Want: "the manifest's URL"}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("PushManifest (-want +got):\n%s", diff)
	}
	pr, err := c.Push(ctx, "r", []string{"latest"}, fixtures.Basic())
	if err != nil {
		t.Fatal(err)
	}
	// Every blob's finish-upload and the manifest PUT had no Location.
	got := pr.Tolerated()
	if len(got) != len(pr.Blobs)+1 {
		t.Fatalf("Tolerated() = %v, want one per blob and one for the manifest", got)
	}
	for _, e := range got[:len(pr.Blobs)] {
		if e.Step != failures.FinishUpload || e.What != "Location" {
			t.Errorf("blob lapse %v, want finish-upload Location", e)
		}
	}
	if e := got[len(got)-1]; e.Step != failures.PutManifest || e.What != "Location" {
		t.Errorf("manifest lapse %v, want put-manifest Location", e)
	}
	// A wrong digest is still an error.
	f.mangle = func(r *http.Request, h http.Header, s int) int {
		if r.Method == http.MethodPut {
			h.Set("Docker-Content-Digest", string(digest.FromString("x")))
		}
		return s
	}
	if _, err := c.PushManifest(ctx, "r", "t", v1.MediaTypeImageManifest, body); err == nil {
		t.Error("PushManifest answered with another digest: nil error")
	}
	// A digest in another algorithm of the same bytes is right.
	f.mangle = func(r *http.Request, h http.Header, s int) int {
		if r.Method == http.MethodPut {
			h.Set("Docker-Content-Digest", string(digest.SHA512.FromBytes(body)))
		}
		return s
	}
	if res, err := c.PushManifest(ctx, "r", "t", v1.MediaTypeImageManifest, body); err != nil || res.Digest != digest.SHA512.FromBytes(body) {
		t.Errorf("PushManifest answered with the sha512 digest: %+v, %v", res, err)
	}
}

// TestPushEmptyTag: a tag "" is put as it is, not by digest (Quay's
// test_tag_validaton[""] expects the registry to refuse that PUT).
func TestPushEmptyTag(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	if _, err := f.client(t).Push(ctx, "r", []string{""}, fixtures.Basic()); err != nil {
		t.Fatal(err)
	}
	a := imageContent(t, Schema2, fixtures.Basic(), "")
	if _, err := f.client(t).PushContent(ctx, "r", []Content{a}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"", ""}, manifestPuts(f, "r")); diff != "" {
		t.Errorf("PUTs (-want +got):\n%s", diff)
	}
}

// TestPushCancelPresent: with Upload.Cancel no manifest is put, even
// when every blob was already there (skipped, nothing to cancel).
func TestPushCancelPresent(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	c := f.client(t)
	if _, err := c.Push(ctx, "r", []string{"a"}, fixtures.Basic()); err != nil {
		t.Fatal(err)
	}
	res, err := c.Push(ctx, "r", []string{"b"}, fixtures.Basic(), WithUpload(Upload{Cancel: true}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || len(res.Manifests) != 0 || len(res.Skipped) != len(res.Blobs) {
		t.Errorf("Push(Upload.Cancel) of present blobs = %+v, want every blob skipped and no manifest", res)
	}
	if diff := cmp.Diff([]string{"a"}, manifestPuts(f, "r")); diff != "" {
		t.Errorf("PUTs (-want +got):\n%s", diff)
	}
}

// TestPushContentDigestAsTag: a tag that is the manifest's digest puts it
// by digest, before its tag, as the OCI workflow does.
func TestPushContentDigestAsTag(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	a := imageContent(t, OCI, fixtures.Basic())
	a.Tags = []string{string(a.Digest), "latest"}
	res, err := f.client(t).PushContent(ctx, "r", []Content{a})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{string(a.Digest), "latest"}, manifestPuts(f, "r")); diff != "" || len(res.Manifests) != 2 {
		t.Errorf("%d results; PUTs (-want +got):\n%s", len(res.Manifests), diff)
	}
}
