package itest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/examples/internal/testreg"
	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
	"github.com/registrytest/registrytest/v2proto"
)

// The registries whose behaviour the push checks tell apart.
const (
	nameV3     = "distribution-v3.1.2"
	name28     = "docker-distribution-v2.8.3"
	nameDebian = "debian-docker-registry-2.8.2"
)

// pushEnv holds the registry of one RunPush: token auth, so that every
// push also checks its scopes (the mount sources' pull among them).
type pushEnv struct {
	reg *testreg.Registry
	c   *v2proto.Client
}

// RunPush checks the push flows of package v2proto (PushBlob, PushBlobs,
// Push, PushList, PushManifest) against a registry with token auth started
// with start: every upload style, chunked uploads with Quay's slices (and
// the overlap and gap cases, whose answers differ by registry: each is
// asserted by name), mounts and their 202 fallback, cancel, push by
// digest, schema2, schema1 (where the registry has it) and OCI manifests,
// Docker lists and OCI indexes, and the invalid-blob and broken-config
// expected failures.
func RunPush(t *testing.T, start testreg.StartFunc) {
	reg := start(t, testreg.Options{Auth: testreg.AuthToken, Users: users})
	p := &pushEnv{reg: reg, c: client(t, reg)}
	t.Run("schema2", p.testSchema2)
	t.Run("schema1", p.testSchema1)
	t.Run("oci", p.testOCI)
	t.Run("empty-layers", p.testEmptyLayers)
	t.Run("styles", p.testStyles)
	t.Run("chunks", p.testChunks)
	t.Run("chunk-overlap", p.testChunkOverlap)
	t.Run("chunk-gap", p.testChunkGap)
	t.Run("mount", p.testMount)
	t.Run("cancel", p.testCancel)
	t.Run("by-digest", p.testByDigest)
	t.Run("list", p.testList)
	t.Run("manifest", p.testPushManifest)
	t.Run("invalid-blob", p.testInvalidBlob)
	t.Run("broken-config", p.testBrokenConfig)
	t.Run("concurrency", p.testConcurrency)
}

// pushScope is the scope of a push with deletes, for the checks' own
// requests.
func pushScope(repo string) v2proto.CallOption {
	return v2proto.WithScopes("repository:" + repo + ":pull,push")
}

// getManifest GETs ref in repo with accept and returns the answer's body
// and Content-Type.
func (p *pushEnv) getManifest(t *testing.T, repo, ref, accept string) ([]byte, string) {
	t.Helper()
	req := request("GET", "/v2/"+repo+"/manifests/"+ref, "", nil)
	req.Header.Set("Accept", accept)
	resp, body := do(t, p.c, failures.GetManifest, req, admin, pushScope(repo))
	return body, resp.Header.Get("Content-Type")
}

// checkPushed checks that every manifest of res is served as pushed: the
// same bytes (the same digest for schema1, which 2.8 re-signs) and type.
func (p *pushEnv) checkPushed(t *testing.T, repo string, res *v2proto.PushResult) {
	t.Helper()
	if res == nil {
		t.Fatal("PushResult is nil")
	}
	if !res.Complete {
		t.Fatalf("PushResult.Complete = false, want true")
	}
	for _, m := range slices.Concat(res.Children, res.Manifests) {
		body, ct := p.getManifest(t, repo, m.Put.Reference, m.MediaType)
		if ct != m.MediaType {
			t.Errorf("GET %s: Content-Type = %q, want %q", m.Put.Reference, ct, m.MediaType)
		}
		if m.MediaType == schema1.MediaTypeSignedManifest {
			sm, err := schema1.Parse(body)
			if err != nil {
				t.Errorf("GET %s: %v", m.Put.Reference, err)
			} else if sm.Digest() != m.Digest {
				t.Errorf("GET %s: schema1 digest = %s, want %s", m.Put.Reference, sm.Digest(), m.Digest)
			}
			continue
		}
		if !bytes.Equal(body, m.Bytes) {
			t.Errorf("GET %s = %s, want %s", m.Put.Reference, body, m.Bytes)
		}
	}
	for _, b := range res.Blobs {
		if !b.Finished {
			t.Errorf("blob %s: Finished = false", b.Digest)
		}
	}
}

func blobDigests(res *v2proto.PushResult) []digest.Digest {
	var ds []digest.Digest
	for _, b := range res.Blobs {
		ds = append(ds, b.Digest)
	}
	return ds
}

func (p *pushEnv) testSchema2(t *testing.T) {
	ctx := context.Background()
	repo := "push/schema2"
	images := fixtures.Basic()
	res, err := p.c.Push(ctx, repo, []string{"latest", "other"}, images, admin)
	if err != nil {
		t.Fatal(err)
	}
	p.checkPushed(t, repo, res)
	want, err := v2proto.BuildManifest(repo, "latest", images)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"latest", "other"} {
		m := res.Manifest(tag)
		if m == nil {
			t.Fatalf("no manifest for tag %q", tag)
		}
		if m.MediaType != schema2.MediaTypeManifest || m.Digest != want.Digest || m.Put.Digest != want.Digest || m.Put.Reference != tag {
			t.Errorf("tag %s: %s %s put as %s at %q, want %s %s", tag, m.MediaType, m.Digest, m.Put.Digest, m.Put.Reference, schema2.MediaTypeManifest, want.Digest)
		}
	}
	wantBlobs := []digest.Digest{images[0].Layer.Digest(), images[1].Layer.Digest(), want.Config}
	if diff := cmp.Diff(wantBlobs, blobDigests(res)); diff != "" {
		t.Errorf("blobs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantBlobs[:2], want.Layers); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	// Pushing again finds the blobs there: by default they are skipped;
	// HeadWantAbsent refuses them; HeadNone uploads them again.
	again, err := p.c.Push(ctx, repo, []string{"latest"}, images, admin)
	if err != nil {
		t.Errorf("second Push: %v", err)
	} else if diff := cmp.Diff(wantBlobs, again.Skipped); diff != "" {
		t.Errorf("second Push: skipped blobs (-want +got):\n%s", diff)
	}
	_, err = p.c.Push(ctx, repo, []string{"latest"}, images, admin, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadWantAbsent}))
	var se *v2proto.StatusError
	if !errors.As(err, &se) || se.Step != failures.BlobHeadCheck || se.Got != 200 || se.Want != 404 || se.Option != "BlobChecks.Head HeadWantAbsent" {
		t.Errorf("Push with HeadWantAbsent: %v, want a *StatusError: HEAD = 200, want 404 (blob-head-check, BlobChecks.Head HeadWantAbsent)", err)
	}
	var be *v2proto.BlobError
	if !errors.As(err, &be) || be.Digest != images[0].Layer.Digest() && be.Digest != images[1].Layer.Digest() && be.Digest != want.Config {
		t.Errorf("second Push: %v, want a *BlobError naming a blob", err)
	}
	if _, err := p.c.Push(ctx, repo, []string{"latest"}, images, admin, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})); err != nil {
		t.Errorf("second Push with HeadNone: %v", err)
	}
}

func (p *pushEnv) testSchema1(t *testing.T) {
	ctx := context.Background()
	repo := "push/schema1"
	res, err := p.c.Push(ctx, repo, []string{"latest", "v1"}, fixtures.Basic(), admin, v2proto.WithSchema(v2proto.Schema1))
	if !p.reg.Schema1 {
		// distribution v3 has no schema1: the PUT is refused.
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Step != failures.PutManifest || se.Got != 400 || !slices.Contains(se.Codes, failures.CodeManifestInvalid) {
			t.Fatalf("Push schema1 on %s: %v, want put-manifest 400 MANIFEST_INVALID", p.reg.Name, err)
		}
		t.Logf("%s refuses schema1: %v", p.reg.Name, err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	p.checkPushed(t, repo, res)
	a, b := res.Manifest("latest"), res.Manifest("v1")
	if a.MediaType != schema1.MediaTypeSignedManifest || a.Digest == b.Digest {
		t.Errorf("schema1 manifests: %s %s and %s, want signed manifests of different digests (each names its tag)", a.MediaType, a.Digest, b.Digest)
	}
	sm, err := schema1.Parse(a.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !sm.Signed() || !sm.Signatures[0].Key.Equal(v2proto.DefaultSigningKey().Public()) || sm.Tag != "latest" || sm.Name != repo {
		t.Errorf("schema1 manifest: signed %v by %v, name %q tag %q, want signed by the default key, %q, latest", sm.Signed(), sm.Signatures, sm.Name, sm.Tag, repo)
	}
	// Unicode, raw and escaped.
	for _, ascii := range []bool{false, true} {
		opts := []v2proto.CallOption{admin, v2proto.WithSchema(v2proto.Schema1), v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})}
		if ascii {
			opts = append(opts, v2proto.WithBuild(v2proto.Build{EnsureASCII: true}))
		}
		res, err := p.c.Push(ctx, repo, []string{fmt.Sprintf("emoji-%v", ascii)}, fixtures.Emoji(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		p.checkPushed(t, repo, res)
		if got := bytes.Contains(res.Manifests[0].Bytes, []byte(`\\ud83d\\ude31`)); got != ascii {
			t.Errorf("Build.EnsureASCII %v: escaped emoji in the manifest = %v", ascii, got)
		}
	}
}

func (p *pushEnv) testOCI(t *testing.T) {
	ctx := context.Background()
	repo := "push/oci"
	res, err := p.c.Push(ctx, repo, []string{"latest"}, fixtures.Unicode(), admin, v2proto.WithSchema(v2proto.OCI))
	if err != nil {
		t.Fatal(err)
	}
	p.checkPushed(t, repo, res)
	m := res.Manifests[0]
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("media type %q, want the OCI manifest", m.MediaType)
	}
	// The config holds the leaf's config and amd64.
	var cfg []byte
	req := request("GET", "/v2/"+repo+"/blobs/"+string(m.Config), "", nil)
	_, cfg = do(t, p.c, failures.GetBlob, req, admin, pushScope(repo))
	c, err := schema2.ParseConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Architecture != "amd64" || c.OS != "linux" || len(c.History) != 2 || c.Config == nil {
		t.Errorf("config = %s, want amd64/linux, 2 history entries and the leaf's config", cfg)
	}
	if !bytes.Contains(cfg, []byte(fixtures.UnicodeAuthor)) {
		t.Errorf("config = %s, want the author %q as UTF-8", cfg, fixtures.UnicodeAuthor)
	}
}

func (p *pushEnv) testEmptyLayers(t *testing.T) {
	ctx := context.Background()
	repo := "push/empty"
	images := fixtures.EmptyLayers()
	res, err := p.c.Push(ctx, repo, []string{"latest"}, images, admin)
	if err != nil {
		t.Fatal(err)
	}
	p.checkPushed(t, repo, res)
	m := res.Manifests[0]
	// The empty layer is uploaded (once) but not listed.
	if slices.Contains(m.Layers, fixtures.EmptyLayerDigest) || len(m.Layers) != 3 {
		t.Errorf("layers = %v, want the 3 non-empty ones", m.Layers)
	}
	if n := len(res.Blobs); n != 5 || !slices.Contains(blobDigests(res), fixtures.EmptyLayerDigest) {
		t.Errorf("blobs = %v, want 3 layers, the empty layer and the config", blobDigests(res))
	}
}

// testStyles pushes a blob in every upload style.
func (p *pushEnv) testStyles(t *testing.T) {
	ctx := context.Background()
	for i, style := range []v2proto.UploadStyle{v2proto.UploadPatch, v2proto.UploadPostPut, v2proto.UploadPostDigest, v2proto.UploadChunked} {
		t.Run(style.String(), func(t *testing.T) {
			repo := "push/style-" + style.String()
			blob := fixtures.RandomBlob(uint64(100+i), 3000+int64(i), "application/octet-stream")
			u := v2proto.Upload{Style: style}
			if style == v2proto.UploadChunked {
				u.ChunkSize = 1000
			}
			res, err := p.c.PushBlob(ctx, repo, blob, admin, v2proto.WithUpload(u))
			if err != nil {
				t.Fatal(err)
			}
			want := &v2proto.BlobResult{Digest: blob.Digest(), Size: blob.Size(), Style: style, Finished: true}
			if style == v2proto.UploadPostDigest {
				// Neither distribution stores the body of a POST ?digest=:
				// it answers 202 and the blob is finished with a PUT.
				want.PostDigestUnsupported = true
			}
			if style == v2proto.UploadChunked {
				for s := int64(0); s < blob.Size(); s += 1000 {
					e := min(s+1000, blob.Size())
					r := fmt.Sprintf("0-%d", e-1)
					want.Chunks = append(want.Chunks, v2proto.ChunkResult{Start: s, End: e, Status: 202, Range: r, StatusRange: r})
				}
			}
			if diff := cmp.Diff(want, res, cmp.FilterPath(func(p cmp.Path) bool {
				f := p.Last().String()
				return f == ".UploadUUID" || f == ".Location"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("BlobResult (-want +got):\n%s", diff)
			}
			if res.UploadUUID == "" || res.Location == "" {
				t.Errorf("UploadUUID %q, Location %q, want both", res.UploadUUID, res.Location)
			}
		})
	}
	t.Run("zero-bytes", func(t *testing.T) {
		blob := fixtures.NewBlob("application/octet-stream", nil)
		res, err := p.c.PushBlob(ctx, "push/style-empty", blob, admin)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Finished || res.Digest != "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
			t.Errorf("result %+v, want the empty blob finished", res)
		}
	})
}

func chunk(start, end int64, status int) v2proto.Chunk {
	return v2proto.Chunk{Start: start, End: end, Status: status}
}

// quaySlices are Quay's chunk lists of test_chunked_blob_uploading.
var quaySlices = map[string][]v2proto.Chunk{
	"2-chunks": {chunk(0, 100, 0), chunk(100, v2proto.ChunkToEnd, 0)},
	"3-chunks": {chunk(0, 10, 0), chunk(10, 20, 0), chunk(20, v2proto.ChunkToEnd, 0)},
	"6-chunks": {chunk(0, 10, 0), chunk(10, 20, 0), chunk(20, 30, 0), chunk(30, 40, 0), chunk(40, 50, 0), chunk(50, v2proto.ChunkToEnd, 0)},
}

func (p *pushEnv) testChunks(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"2-chunks", "3-chunks", "6-chunks"} {
		eachSchema(t, p.reg, name+"/", func(t *testing.T, s v2proto.Schema) {
			repo := "push/chunks-" + name + "-" + string(s)
			images := fixtures.Random4096(7)
			res, err := p.c.Push(ctx, repo, []string{"latest"}, images, admin, v2proto.WithSchema(s), v2proto.WithUpload(v2proto.Upload{Chunks: quaySlices[name]}))
			if err != nil {
				t.Fatal(err)
			}
			p.checkPushed(t, repo, res)
			for _, b := range res.Blobs {
				if len(b.Chunks) != len(quaySlices[name]) || b.Style != v2proto.UploadChunked {
					t.Errorf("blob %s: %d chunks in style %v, want %d chunked", b.Digest, len(b.Chunks), b.Style, len(quaySlices[name]))
				}
			}
		})
	}
	t.Run("last-chunk-in-put", func(t *testing.T) {
		blob := fixtures.RandomBlob(11, 2500, "application/octet-stream")
		res, err := p.c.PushBlob(ctx, "push/chunks-put", blob, admin, v2proto.WithUpload(v2proto.Upload{ChunkSize: 1000, LastChunkInPut: true}))
		if err != nil {
			t.Fatal(err)
		}
		want := []v2proto.ChunkResult{
			{Start: 0, End: 1000, Status: 202, Range: "0-999", StatusRange: "0-999"},
			{Start: 1000, End: 2000, Status: 202, Range: "0-1999", StatusRange: "0-1999"},
			{Start: 2000, End: 2500, Status: 201},
		}
		if diff := cmp.Diff(want, res.Chunks); diff != "" {
			t.Errorf("chunks (-want +got):\n%s", diff)
		}
	})
	t.Run("oversized-chunk", func(t *testing.T) {
		blob := fixtures.RandomBlob(12, 50, "application/octet-stream")
		_, err := p.c.PushBlob(ctx, "push/chunks-bad", blob, admin, v2proto.WithUpload(v2proto.Upload{Chunks: []v2proto.Chunk{{Start: 0, End: 100}}}))
		var be *v2proto.BlobError
		if !errors.As(err, &be) || be.Digest != blob.Digest() {
			t.Errorf("PushBlob with a chunk past the blob: %v, want a *BlobError", err)
		}
	})
}

// testChunkOverlap sends Quay's overlapping chunks [0,90) then [10,end).
// Quay skips the overlap; distribution v3 refuses the second chunk with
// 416; 2.8 ignores Content-Range and appends the chunk (202), so the
// session then holds 90 + (end-10) bytes, which the Range check catches.
func (p *pushEnv) testChunkOverlap(t *testing.T) {
	ctx := context.Background()
	blob := fixtures.RandomCharsLayer(21, 4096)
	repo := "push/chunk-overlap"
	switch p.reg.Name {
	case nameV3:
		res, err := p.c.PushBlob(ctx, repo, blob, admin, v2proto.WithUpload(v2proto.Upload{Chunks: []v2proto.Chunk{{Start: 0, End: 90}, {Start: 10, End: v2proto.ChunkToEnd, Status: 416}}}))
		if err != nil {
			t.Fatal(err)
		}
		want := []v2proto.ChunkResult{
			{Start: 0, End: 90, Status: 202, Range: "0-89", StatusRange: "0-89"},
			{Start: 10, End: blob.Size(), Status: 416, StatusRange: "0-89"}, // v3's 416 has no Range
		}
		if diff := cmp.Diff(want, res.Chunks); diff != "" {
			t.Errorf("chunks (-want +got):\n%s", diff)
		}
		if res.Finished {
			t.Errorf("Finished = true, want false: the chunks left bytes unsent")
		}
		// Resending from the end of what was received completes it.
		res, err = p.c.PushBlob(ctx, repo, blob, admin, v2proto.WithUpload(v2proto.Upload{Chunks: []v2proto.Chunk{{Start: 0, End: 90}, {Start: 10, End: v2proto.ChunkToEnd, Status: 416},
			{Start: 90, End: v2proto.ChunkToEnd}}}))
		if err != nil || !res.Finished {
			t.Fatalf("PushBlob going on in order after the 416 = %+v, %v, want finished", res, err)
		}
	default:
		_, err := p.c.PushBlob(ctx, repo, blob, admin, v2proto.WithUpload(v2proto.Upload{Chunks: []v2proto.Chunk{{Start: 0, End: 90}, {Start: 10, End: v2proto.ChunkToEnd}}}))
		var re *v2proto.ResponseError
		want := fmt.Sprintf(`"0-%d"`, blob.Size()-1)
		got := fmt.Sprintf(`"0-%d"`, 90+blob.Size()-10-1)
		if !errors.As(err, &re) || re.Step != failures.UploadChunk || re.Status != 202 || re.What != "Range" || re.Got != got || re.Want != want {
			t.Fatalf("PushBlob with overlapping chunks on %s: %v, want 202 with Range %s, want %s (upload-chunk)", p.reg.Name, err, got, want)
		}
		t.Logf("%s appends an overlapping chunk: %v", p.reg.Name, err)
	}
}

// testChunkGap sends chunks that leave a gap: Quay's [0,100) then
// [101,end), and [10,end) first. v3 answers 416 and leaves the session as
// it was; 2.8 ignores Content-Range and accepts them (202).
func (p *pushEnv) testChunkGap(t *testing.T) {
	ctx := context.Background()
	blob := fixtures.RandomCharsLayer(22, 4096)
	end := blob.Size()
	cases := []struct {
		name   string
		chunks []v2proto.Chunk
		want   []v2proto.ChunkResult // v3
	}{
		{"gap-after-first", []v2proto.Chunk{chunk(0, 100, 0), chunk(101, v2proto.ChunkToEnd, 416)}, []v2proto.ChunkResult{
			{Start: 0, End: 100, Status: 202, Range: "0-99", StatusRange: "0-99"},
			{Start: 101, End: end, Status: 416, StatusRange: "0-99"}}},
		{"missing-first", []v2proto.Chunk{chunk(10, v2proto.ChunkToEnd, 416)}, []v2proto.ChunkResult{
			{Start: 10, End: end, Status: 416, StatusRange: "0-0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := "push/chunk-" + tc.name
			res, err := p.c.PushBlob(ctx, repo, blob, admin, v2proto.WithUpload(v2proto.Upload{Chunks: tc.chunks}))
			if p.reg.Name != nameV3 {
				// 2.8 appends the chunk: 202 where 416 is wanted.
				var se *v2proto.StatusError
				if !errors.As(err, &se) || se.Step != failures.UploadChunk || se.Got != 202 || se.Want != 416 {
					t.Fatalf("PushBlob on %s: %v, want PATCH = 202, want 416 (upload-chunk)", p.reg.Name, err)
				}
				t.Logf("%s accepts a chunk that leaves a gap: %v", p.reg.Name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, res.Chunks); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
			if res.Finished {
				t.Errorf("Finished = true, want false")
			}
			// Push stops before the manifest, as Quay's did.
			pr, err := p.c.Push(ctx, repo, []string{"latest"}, []fixtures.Image{{ID: "x", Layer: blob}}, admin, v2proto.WithUpload(v2proto.Upload{Chunks: tc.chunks}), v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}))
			if err != nil || pr.Complete || len(pr.Manifests) != 0 {
				t.Errorf("Push = %+v, %v, want an incomplete result without manifests", pr, err)
			}
		})
	}
}

func (p *pushEnv) testMount(t *testing.T) {
	ctx := context.Background()
	images := fixtures.Chain(31, 2)
	base := "push/mount-base"
	other := "push-other/mount-base"
	for _, r := range []string{base, other} {
		if _, err := p.c.Push(ctx, r, []string{"latest"}, images, admin, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})); err != nil {
			t.Fatal(err)
		}
	}
	mounts := func(from string) map[digest.Digest]string {
		m := map[digest.Digest]string{}
		for _, im := range images {
			m[im.Layer.Digest()] = from
		}
		return m
	}
	for _, tc := range []struct{ name, from string }{{"same-namespace", base}, {"cross-namespace", other}} {
		t.Run(tc.name, func(t *testing.T) {
			repo := "push/mount-" + tc.name
			res, err := p.c.Push(ctx, repo, []string{"latest"}, images, admin, v2proto.WithUpload(v2proto.Upload{Mounts: mounts(tc.from)}))
			if err != nil {
				t.Fatal(err)
			}
			p.checkPushed(t, repo, res)
			for _, b := range res.Blobs {
				mounted := b.Digest != res.Manifests[0].Config
				if b.Mounted != mounted || b.MountFallback {
					t.Errorf("blob %s: Mounted %v, MountFallback %v, want Mounted %v", b.Digest, b.Mounted, b.MountFallback, mounted)
				}
				if mounted && b.Location == "" {
					t.Errorf("blob %s: no Location", b.Digest)
				}
			}
		})
	}
	t.Run("fallback", func(t *testing.T) {
		// The source lacks the blob: 202 and an upload session.
		blob := fixtures.RandomBlob(32, 500, "application/octet-stream")
		res, err := p.c.PushBlob(ctx, "push/mount-fallback", blob, admin, v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{blob.Digest(): base}}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Mounted || !res.MountFallback || res.MountRefused || !res.Finished {
			t.Errorf("result %+v, want a finished fallback upload", res)
		}
	})
	t.Run("no-from", func(t *testing.T) {
		// Neither distribution mounts without from: 202.
		res, err := p.c.PushBlob(ctx, "push/mount-nofrom", images[0].Layer, admin, v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{images[0].Layer.Digest(): ""}}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Mounted || !res.MountFallback || !res.Finished {
			t.Errorf("result %+v, want a finished fallback upload", res)
		}
	})
	t.Run("unauthorized-for-mount", func(t *testing.T) {
		// Quay's twist: the 202 meets the failure, and the upload goes on
		// through the offered session.
		blob := fixtures.RandomBlob(33, 500, "application/octet-stream")
		res, err := p.c.PushBlob(ctx, "push/mount-refused", blob, admin,
			v2proto.WithUpload(v2proto.Upload{Mounts: map[digest.Digest]string{blob.Digest(): "push/no-such-repo"}}),
			v2proto.ExpectFailure(failures.UnauthorizedForMount))
		if err != nil {
			t.Fatal(err)
		}
		if !res.MountRefused || !res.MountFallback || !res.Finished {
			t.Errorf("result %+v, want the refused mount met and the blob uploaded", res)
		}
		// A mount that succeeds misses the failure.
		_, err = p.c.PushBlob(ctx, "push/mount-refused2", images[0].Layer, admin,
			v2proto.WithUpload(v2proto.Upload{Mounts: mounts(base)}), v2proto.ExpectFailure(failures.UnauthorizedForMount))
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Step != failures.MountBlob || se.Got != 201 || se.Want != 202 {
			t.Errorf("PushBlob with a mount that works, expecting unauthorized-for-mount: %v, want mount-blob = 201, want 202", err)
		}
	})
}

func (p *pushEnv) testCancel(t *testing.T) {
	ctx := context.Background()
	for _, style := range []v2proto.UploadStyle{v2proto.UploadPatch, v2proto.UploadPostPut, v2proto.UploadChunked} {
		t.Run(style.String(), func(t *testing.T) {
			blob := fixtures.RandomBlob(41, 3000, "application/octet-stream")
			res, err := p.c.PushBlob(ctx, "push/cancel-"+style.String(), blob, admin, v2proto.WithUpload(v2proto.Upload{Style: style, Cancel: true}))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Canceled || res.Finished {
				t.Errorf("result %+v, want canceled, not finished", res)
			}
		})
	}
	t.Run("without-delete", func(t *testing.T) {
		// Distribution wants the delete action to cancel an upload: a token
		// with push and pull only is refused at cancel-upload.
		repo := "push/cancel-nodelete"
		_, err := p.c.PushBlob(ctx, repo, fixtures.RandomBlob(42, 100, "application/octet-stream"), admin,
			v2proto.WithUpload(v2proto.Upload{Cancel: true}), v2proto.WithScopes("repository:"+repo+":push,pull"))
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Step != failures.CancelUpload || se.Got != 401 {
			t.Fatalf("cancel with a push,pull token on %s: %v, want cancel-upload 401", p.reg.Name, err)
		}
		t.Logf("%s: %v", p.reg.Name, err)
	})
	t.Run("push", func(t *testing.T) {
		res, err := p.c.Push(ctx, "push/cancel-push", []string{"latest"}, fixtures.Basic(), admin, v2proto.WithUpload(v2proto.Upload{Cancel: true}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Complete || len(res.Manifests) != 0 || len(res.Blobs) != 3 {
			t.Errorf("result %+v, want 3 canceled blobs and no manifest", res)
		}
		for _, b := range res.Blobs {
			if !b.Canceled {
				t.Errorf("blob %s not canceled", b.Digest)
			}
		}
	})
}

func (p *pushEnv) testByDigest(t *testing.T) {
	ctx := context.Background()
	eachSchema(t, p.reg, "", func(t *testing.T, s v2proto.Schema) {
		repo := "push/by-digest-" + string(s)
		res, err := p.c.Push(ctx, repo, nil, fixtures.Different(), admin, v2proto.WithSchema(s), v2proto.WithPushByDigest())
		if err != nil {
			t.Fatal(err)
		}
		m := res.Manifests[0]
		if m.Put.Reference != string(m.Digest) {
			t.Errorf("put at %q, want the digest %s", m.Put.Reference, m.Digest)
		}
		// Distribution keeps untagged manifests pullable by digest.
		p.checkPushed(t, repo, res)
	})
}

func (p *pushEnv) testList(t *testing.T) {
	ctx := context.Background()
	t.Run("docker-list", func(t *testing.T) {
		repo := "push/list-docker"
		list := fixtures.QuayList()
		res, err := p.c.PushList(ctx, repo, []string{"latest", "again"}, list, admin)
		if err != nil {
			t.Fatal(err)
		}
		p.checkPushed(t, repo, res)
		if len(res.Children) != 2 || len(res.Manifests) != 2 || res.Manifests[0].MediaType != schema2.MediaTypeManifestList {
			t.Fatalf("result: %d children, %d lists, want 2 and 2 Docker lists", len(res.Children), len(res.Manifests))
		}
		ix, err := schema2.ParseIndex(res.Manifests[0].Bytes)
		if err != nil {
			t.Fatal(err)
		}
		for i, ch := range ix.Manifests {
			if ch.Digest != res.Children[i].Digest || !cmp.Equal(ch.Platform, list.Index.Manifests[i].Platform) {
				t.Errorf("list entry %d = %+v, want child %s with platform %v", i, ch, res.Children[i].Digest, list.Index.Manifests[i].Platform)
			}
		}
		// The same again without HEAD checks.
		if _, err := p.c.PushList(ctx, repo, []string{"latest"}, list, admin, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})); err != nil {
			t.Errorf("second PushList: %v", err)
		}
	})
	t.Run("oci-index", func(t *testing.T) {
		repo := "push/list-oci"
		set := fixtures.OCIIndex(51)
		res, err := p.c.PushList(ctx, repo, []string{"index"}, set.Manifests[0], admin, v2proto.WithSchema(v2proto.OCI))
		if err != nil {
			t.Fatal(err)
		}
		p.checkPushed(t, repo, res)
		if res.Manifests[0].MediaType != "application/vnd.oci.image.index.v1+json" {
			t.Errorf("list type %q, want the OCI index", res.Manifests[0].MediaType)
		}
	})
	t.Run("nested-index", func(t *testing.T) {
		repo := "push/list-nested"
		set := fixtures.OCINestedIndex(52)
		res, err := p.c.PushList(ctx, repo, []string{"index-of-index"}, set.Manifests[0], admin, v2proto.WithSchema(v2proto.OCI))
		if err != nil {
			t.Fatal(err)
		}
		p.checkPushed(t, repo, res)
		if len(res.Children) != 6 {
			t.Errorf("%d children, want 6 (2 indexes of 2 images each)", len(res.Children))
		}
	})
	t.Run("schema1-children", func(t *testing.T) {
		// Quay's first list: an unsigned schema1 child and a schema2 one.
		repo := "push/list-s1"
		_, err := p.c.PushList(ctx, repo, []string{"latest"}, fixtures.QuayList(), admin, v2proto.WithBuild(v2proto.Build{ChildSchemas: []v2proto.Schema{v2proto.Schema1}}))
		// Neither distribution takes an unsigned schema1 manifest.
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Step != failures.PutManifest || se.Got != 400 || !slices.Contains(se.Codes, failures.CodeManifestInvalid) {
			t.Fatalf("PushList with an unsigned schema1 child on %s: %v, want put-manifest 400 MANIFEST_INVALID", p.reg.Name, err)
		}
		t.Logf("%s refuses the unsigned schema1 child: %v", p.reg.Name, err)
	})
	t.Run("missing-child", func(t *testing.T) {
		// A list naming a child that is not in the repository: PushManifest
		// of a list built by hand.
		repo := "push/list-missing"
		list := fixtures.QuayList()
		res, err := p.c.PushList(ctx, repo, []string{"complete"}, list, admin)
		if err != nil {
			t.Fatal(err)
		}
		ix, _ := schema2.ParseIndex(res.Manifests[0].Bytes)
		ix.Manifests[1].Digest = absentDigest
		b, err := ix.Build(schema2.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.c.PushManifest(ctx, repo, "broken", b.MediaType(), b.Bytes(), admin, v2proto.ExpectFailure(failures.InvalidManifestInList))
		if err != nil {
			t.Errorf("PushManifest of a list with a missing child expecting invalid-manifest-in-list: %v", err)
		}
	})
}

// absentDigest is a manifest digest no repository holds.
var absentDigest = digest.FromString("registrytest: not a manifest")

func (p *pushEnv) testPushManifest(t *testing.T) {
	ctx := context.Background()
	repo := "push/manifest"
	res, err := p.c.Push(ctx, repo, []string{"latest"}, fixtures.Basic(), admin, v2proto.WithSchema(v2proto.OCI))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifests[0]
	// By digest with ?tag=: distribution ignores the parameter (no
	// OCI-Tag header, no tag).
	mr, err := p.c.PushManifest(ctx, repo, string(m.Digest), m.MediaType, m.Bytes, admin, v2proto.WithTagParams("t1", "t2"))
	if err != nil {
		t.Fatal(err)
	}
	if mr.Digest != m.Digest || len(mr.Tags) != 0 || mr.Location == "" || mr.Reference != string(m.Digest) {
		t.Errorf("PushManifest = %+v, want digest %s, a Location and no OCI-Tag", mr, m.Digest)
	}
	// A Content-Type the registry does not know.
	_, err = p.c.PushManifest(ctx, repo, "odd", m.MediaType, m.Bytes, admin, v2proto.WithHeaders(v2proto.Headers{ManifestContentType: "application/vnd.registrytest.unknown+json"}),
		v2proto.ExpectFailure(failures.UnsupportedContentType))
	if err != nil {
		t.Errorf("PushManifest with an unknown Content-Type expecting unsupported-content-type: %v", err)
	}
	// A wrong digest in the reference.
	_, err = p.c.PushManifest(ctx, repo, string(absentDigest), m.MediaType, m.Bytes, admin)
	var se *v2proto.StatusError
	if !errors.As(err, &se) || se.Step != failures.PutManifest || se.Got != 400 {
		t.Errorf("PushManifest at a digest the body does not have: %v, want put-manifest 400", err)
	} else {
		t.Logf("%s: PUT at the wrong digest: %v", p.reg.Name, err)
	}
}

func (p *pushEnv) testInvalidBlob(t *testing.T) {
	ctx := context.Background()
	eachSchema(t, p.reg, "", func(t *testing.T, s v2proto.Schema) {
		repo := "push/invalid-blob-" + string(s)
		// The call expects invalid-blob: met at put-manifest (400
		// MANIFEST_BLOB_UNKNOWN), Push returns nil, nil.
		res, err := p.c.Push(ctx, repo, []string{"latest"}, fixtures.Basic(), admin, v2proto.WithSchema(s), v2proto.WithBuild(v2proto.Build{InvalidBlobReferences: true}),
			v2proto.ExpectFailure(failures.InvalidBlob))
		if err != nil || res != nil {
			t.Fatalf("Push with invalid blob references = %+v, %v, want nil, nil", res, err)
		}
		// The blobs were uploaded: a HEAD finds them.
		for _, im := range fixtures.Basic() {
			do(t, p.c, failures.HeadBlob, request("HEAD", "/v2/"+repo+"/blobs/"+string(im.Layer.Digest()), "", nil), admin, pushScope(repo))
		}
		// Expecting another failure, the 400 is an error.
		_, err = p.c.Push(ctx, repo, []string{"latest"}, fixtures.Basic(), admin, v2proto.WithSchema(s), v2proto.WithBuild(v2proto.Build{InvalidBlobReferences: true}),
			v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}), v2proto.ExpectFailure(failures.InvalidTag))
		var se *v2proto.StatusError
		if !errors.As(err, &se) || se.Step != failures.PutManifest || se.Got != 400 || !slices.Contains(se.Codes, failures.CodeManifestBlobUnknown) {
			t.Errorf("Push expecting invalid-tag: %v, want put-manifest 400 MANIFEST_BLOB_UNKNOWN", err)
		}
	})
}

// testBrokenConfig: distribution does not validate image configs, so a
// config without history is accepted, and expecting invalid-manifest is an
// error naming the 201.
func (p *pushEnv) testBrokenConfig(t *testing.T) {
	ctx := context.Background()
	repo := "push/broken-config"
	res, err := p.c.Push(ctx, repo, []string{"latest"}, fixtures.BrokenConfig(), admin)
	if err != nil {
		t.Fatal(err)
	}
	p.checkPushed(t, repo, res)
	req := request("GET", "/v2/"+repo+"/blobs/"+string(res.Manifests[0].Config), "", nil)
	_, cfg := do(t, p.c, failures.GetBlob, req, admin, pushScope(repo))
	if bytes.Contains(cfg, []byte(`"history"`)) {
		t.Errorf("config = %s, want no history", cfg)
	}
	_, err = p.c.Push(ctx, repo, []string{"v2"}, fixtures.Basic(), admin, v2proto.WithBuild(v2proto.Build{BrokenConfig: true}), v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone}),
		v2proto.ExpectFailure(failures.InvalidManifest))
	var se *v2proto.StatusError
	if !errors.As(err, &se) || se.Step != failures.PutManifest || se.Got != 201 || se.Want != 400 || !se.Mapped {
		t.Errorf("Push of a broken config expecting invalid-manifest on %s: %v, want put-manifest = 201, want 400", p.reg.Name, err)
	}
}

// testConcurrency pushes a chain of many layers with several uploads at
// once (run it with -race), and PushBlobs with duplicates.
func (p *pushEnv) testConcurrency(t *testing.T) {
	ctx := context.Background()
	images := fixtures.Chain(61, 12, fixtures.WithLayerSize(20<<10))
	res, err := p.c.Push(ctx, "push/concurrent", []string{"latest"}, images, admin, v2proto.WithLimits(v2proto.Limits{Concurrency: 6}))
	if err != nil {
		t.Fatal(err)
	}
	p.checkPushed(t, "push/concurrent", res)
	if len(res.Blobs) != 13 {
		t.Errorf("%d blobs, want 13", len(res.Blobs))
	}
	var blobs []v2proto.Blob
	for i := range 5 {
		b := fixtures.RandomBlob(uint64(70+i), 10<<10, "application/octet-stream")
		blobs = append(blobs, b, b)
	}
	rs, err := p.c.PushBlobs(ctx, "push/concurrent-blobs", blobs, admin, v2proto.WithUpload(v2proto.Upload{ChunkSize: 4 << 10}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 5 {
		t.Fatalf("%d results, want 5 (duplicates once)", len(rs))
	}
	for i, r := range rs {
		if r.Digest != blobs[2*i].Digest() || !r.Finished || len(r.Chunks) != 3 {
			t.Errorf("results[%d] = %+v, want blob %s finished in 3 chunks", i, r, blobs[2*i].Digest())
		}
	}
	// An error in one upload ends the others and names its blob: the
	// blobs are there, which HeadWantAbsent refuses.
	_, err = p.c.PushBlobs(ctx, "push/concurrent-blobs", blobs, admin, v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadWantAbsent}))
	var be *v2proto.BlobError
	if !errors.As(err, &be) || !slices.ContainsFunc(blobs, func(b v2proto.Blob) bool { return b.Digest() == be.Digest }) {
		t.Errorf("PushBlobs of blobs already there: %v, want a *BlobError naming one", err)
	}
}

// PushMemory pushes a streamed random layer of size bytes to a registry
// started with start and reports the peak heap (runtime.MemStats.HeapAlloc,
// sampled every few milliseconds, the in-process registry's included) above
// the heap before the push; it fails when the peak exceeds limit.
func PushMemory(t *testing.T, start testreg.StartFunc, size, limit int64) {
	reg := start(t, testreg.Options{})
	c, err := v2proto.New(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	layer := fixtures.RandomLayer(81, size)
	layer.Digest() // the one pass that hashes it, before measuring
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	startTime := time.Now()
	res, err := c.PushBlob(context.Background(), "push/large", layer)
	elapsed := time.Since(startTime)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Finished {
		t.Fatalf("result %+v, want finished", res)
	}
	growth := int64(peak.Load()) - int64(before.HeapAlloc)
	t.Logf("pushed %d MiB (PATCH, HEAD, GET hashed) in %v: heap before %d KiB, peak %d KiB, growth %d KiB",
		size>>20, elapsed.Round(time.Millisecond), before.HeapAlloc>>10, peak.Load()>>10, growth>>10)
	if growth > limit {
		t.Errorf("heap grew by %d KiB while pushing %d MiB, want at most %d KiB", growth>>10, size>>20, limit>>10)
	}
}

// PushTwice pushes the same image twice to one repository of the open
// registry reg (no auth), in Docker schema2 and in OCI, with the default
// options, as a real client does: the second push must succeed, and skip
// every blob (its HEAD finds them).
func PushTwice(t *testing.T, reg *testreg.Registry) {
	t.Helper()
	c := lsClient(t, reg)
	images := fixtures.Basic()
	for _, schema := range []v2proto.Schema{v2proto.Schema2, v2proto.OCI} {
		repo := "twice/" + strings.ToLower(string(schema))
		first, err := c.Push(t.Context(), repo, []string{"latest"}, images, v2proto.WithSchema(schema))
		if err != nil {
			t.Fatalf("first Push(%s): %v", schema, err)
		}
		again, err := c.Push(t.Context(), repo, []string{"latest"}, images, v2proto.WithSchema(schema))
		if err != nil {
			t.Fatalf("second Push(%s) of the same image: %v, want it to succeed", schema, err)
		}
		// (The first push may skip blobs too: go-containerregistry has one
		// blob store for every repository.)
		if len(again.Skipped) != len(images)+1 {
			t.Errorf("Push(%s) twice: the second skipped %d blobs (the first %d), want %d (the layers and the config)", schema, len(again.Skipped), len(first.Skipped), len(images)+1)
		}
	}
}
