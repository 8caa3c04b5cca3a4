package v2proto

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

func TestGetManifest(t *testing.T) {
	b := buildImage(t, OCI, pullRepo, "", fixtures.Basic())
	s1 := buildImage(t, Schema1, pullRepo, "old", fixtures.Basic())
	m := newMemRegistry(t, pullRepo)
	m.put("latest", b)
	m.put("old", s1)
	c := memClient(t, m)
	ctx := context.Background()
	all := strings.Join(allManifestTypes, ",")

	for _, ref := range []string{"latest", string(b.digest)} {
		got, err := c.GetManifest(ctx, pullRepo, ref)
		if err != nil {
			t.Fatalf("GetManifest(%s): %v", ref, err)
		}
		want := &RawManifest{Ref: ref, Bytes: b.manifest, ContentType: b.mediaType, Digest: b.digest, Size: int64(len(b.manifest))}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetManifest(%s) mismatch (-want +got):\n%s", ref, diff)
		}
		head, err := c.HeadManifest(ctx, pullRepo, ref)
		if err != nil {
			t.Fatalf("HeadManifest(%s): %v", ref, err)
		}
		want.Bytes = nil
		if diff := cmp.Diff(want, head); diff != "" {
			t.Errorf("HeadManifest(%s) mismatch (-want +got):\n%s", ref, diff)
		}
	}
	// A schema1 manifest: the header is its payload's digest.
	if got, err := c.GetManifest(ctx, pullRepo, "old"); err != nil || got.Digest != s1.digest {
		t.Errorf("GetManifest(old) = %v, %v, want digest %s", got, err, s1.digest)
	}
	if _, err := c.GetManifest(ctx, pullRepo, "latest", WithAccept(v1.MediaTypeImageManifest)); err != nil {
		t.Errorf("GetManifest with WithAccept: %v", err)
	}
	want := []string{
		"GET latest Accept=" + all, "HEAD latest Accept=" + all,
		"GET " + string(b.digest) + " Accept=" + all, "HEAD " + string(b.digest) + " Accept=" + all,
		"GET old Accept=" + all, "GET latest Accept=" + v1.MediaTypeImageManifest,
	}
	if diff := cmp.Diff(want, manifestRequests(m)); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}

	// Missing: 404 MANIFEST_UNKNOWN, by tag and by digest; expected as
	// unknown-tag.
	for _, ref := range []string{"nope", string(digest.FromString("nope"))} {
		_, err := c.GetManifest(ctx, pullRepo, ref)
		wantErr := fmt.Sprintf("GET /v2/%s/manifests/%s = 404 MANIFEST_UNKNOWN, want 200 (get-manifest)", pullRepo, ref)
		if err == nil || err.Error() != wantErr {
			t.Errorf("GetManifest(%s): %v\nwant %s", ref, err, wantErr)
		}
		if got, err := c.GetManifest(ctx, pullRepo, ref, ExpectFailure(failures.UnknownTag)); err != nil || got != nil {
			t.Errorf("GetManifest(%s) expecting unknown-tag = %v, %v, want nil, nil", ref, got, err)
		}
		if got, err := c.HeadManifest(ctx, pullRepo, ref, ExpectFailure(failures.UnknownTag)); err != nil || got != nil {
			t.Errorf("HeadManifest(%s) expecting unknown-tag = %v, %v, want nil, nil", ref, got, err)
		}
	}

	// Served under the wrong digest.
	other := buildImage(t, OCI, pullRepo, "", fixtures.Different())
	m.manifests[string(other.digest)] = memManifest{body: b.manifest, mediaType: b.mediaType}
	_, err := c.GetManifest(ctx, pullRepo, string(other.digest))
	wantErr := fmt.Sprintf("GET /v2/%s/manifests/%s = 200, body digest %s, want %s (get-manifest)", pullRepo, other.digest, b.digest, other.digest)
	var re *ResponseError
	if !errors.As(err, &re) || err.Error() != wantErr {
		t.Errorf("GetManifest of a digest served other bytes: %v\nwant %s", err, wantErr)
	}
	m.manifests[string(other.digest)] = memManifest{body: other.manifest, mediaType: b.mediaType, digest: b.digest}
	_, err = c.HeadManifest(ctx, pullRepo, string(other.digest))
	wantErr = fmt.Sprintf("HEAD /v2/%s/manifests/%s = 200, Docker-Content-Digest %s, want %s (head-manifest)", pullRepo, other.digest, b.digest, other.digest)
	if err == nil || err.Error() != wantErr {
		t.Errorf("HeadManifest with another digest: %v\nwant %s", err, wantErr)
	}
}

// FuzzManifestAnswer feeds the checks of a manifest answer (digest,
// Content-Type, parsing) with anything: they must not panic, and what they
// accept must be consistent.
func FuzzManifestAnswer(f *testing.F) {
	b := buildImage(f, Schema2, pullRepo, "", fixtures.Basic())
	s1 := buildImage(f, Schema1, pullRepo, "t", fixtures.Basic())
	list := buildList(f, schema2.OCI, []builtImage{b}, []string{"linux/amd64"})
	for _, x := range []builtImage{b, s1, list} {
		f.Add("latest", x.manifest, x.mediaType, string(x.digest), "schema2")
		f.Add(string(x.digest), x.manifest, x.mediaType, string(x.digest), "schema1")
		f.Add("latest", x.manifest, "application/json", "", "oci")
	}
	f.Add("latest", []byte(`{"schemaVersion":1,"signatures":[{}]}`), schema1.MediaTypeSignedManifest, "sha256:zz", "schema1")
	f.Add("sha256:zz", []byte(`{}`), "", "", "schema2")
	f.Fuzz(func(t *testing.T, ref string, body []byte, ct, dcd, schema string) {
		raw := &RawManifest{Ref: ref, Bytes: body, ContentType: ct, Digest: digest.Digest(dcd), Size: int64(len(body))}
		rerr := func(what, got, want string) error { return fmt.Errorf("%s %s, want %s", what, got, want) }
		s1m, err := checkManifestDigest(raw, rerr)
		if err != nil {
			return
		}
		pm, err := parsePulled(&manifestAnswer{raw: raw, s1: s1m, rerr: rerr}, Schema(schema), true)
		if err != nil {
			return
		}
		if pm.Digest != digest.Digest(dcd) || (pm.Schema1 == nil) == (pm.Document == nil) {
			t.Errorf("parsePulled accepted %+v inconsistently", pm)
		}
		if pm.Schema1 == nil && pm.Digest.Algorithm().FromBytes(body) != pm.Digest {
			t.Errorf("parsePulled accepted a body whose digest is not %s", pm.Digest)
		}
		if isDigestRef(ref) && string(pm.Digest) != ref {
			t.Errorf("parsePulled accepted digest %s for ref %s", pm.Digest, ref)
		}
		if _, err := blobPlan(pm, nil, rerr); err != nil {
			t.Errorf("blobPlan without images: %v", err)
		}
		blobPlan(pm, fixtures.Basic(), rerr)
	})
}
