package v2proto

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

// configOf returns the image config blob of m.
func configOf(t *testing.T, m *BuiltManifest) []byte {
	t.Helper()
	for _, b := range m.Blobs {
		if b.Digest() == m.Config {
			bb, ok := b.(*bytesBlob)
			if !ok {
				t.Fatalf("config blob is a %T", b)
			}
			return bb.b
		}
	}
	t.Fatalf("config %s not among the blobs", m.Config)
	return nil
}

func digests(bs []Blob) []digest.Digest {
	var ds []digest.Digest
	for _, b := range bs {
		ds = append(ds, b.Digest())
	}
	return ds
}

func layerDigests(images []fixtures.Image, skipEmpty bool) []digest.Digest {
	var ds []digest.Digest
	for _, im := range images {
		if skipEmpty && im.Empty {
			continue
		}
		ds = append(ds, im.Layer.Digest())
	}
	return ds
}

func TestBuildManifestSchema2(t *testing.T) {
	images := fixtures.QuayIDs(fixtures.EmptyLayers()) // Quay's literal IDs: the bytes Quay sends
	m, err := BuildManifest("ns/repo", "latest", images, WithBuild(Build{EmptyDiffIDs: true}))
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != schema2.MediaTypeManifest || m.Digest != digest.FromBytes(m.Bytes) {
		t.Errorf("media type %q, digest %s, want schema2 and the sha256 of the bytes", m.MediaType, m.Digest)
	}
	// Empty layers are uploaded once but not listed.
	if diff := cmp.Diff(layerDigests(images, true), m.Layers); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	wantBlobs := []digest.Digest{images[0].Layer.Digest(), fixtures.EmptyLayerDigest, images[2].Layer.Digest(), images[4].Layer.Digest(), m.Config}
	if diff := cmp.Diff(wantBlobs, digests(m.Blobs)); diff != "" {
		t.Errorf("blobs (-want +got):\n%s", diff)
	}
	cfg := string(configOf(t, m))
	want := `{"os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[` +
		`{"created":"2018-04-03T18:37:09.284840891Z","created_by":"/bin/sh -c #(nop) parentid"},` +
		`{"created":"2018-04-03T18:37:09.284840891Z","created_by":"/bin/sh -c #(nop) emptyid","empty_layer":true},` +
		`{"created":"2018-04-03T18:37:09.284840891Z","created_by":"/bin/sh -c #(nop) middleid"},` +
		`{"created":"2018-04-03T18:37:09.284840891Z","created_by":"/bin/sh -c #(nop) emptyid2","empty_layer":true},` +
		`{"created":"2018-04-03T18:37:09.284840891Z","created_by":"/bin/sh -c #(nop) someid"}]}`
	if cfg != want {
		t.Errorf("config:\n%s\nwant\n%s", cfg, want)
	}
	pm, err := schema2.ParseManifest(m.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := schema2.ValidateConfig(*pm, configOf(t, m)); err != nil {
		t.Errorf("schema2.ValidateConfig: %v", err)
	}
	// The same on every run.
	again, _ := BuildManifest("ns/repo", "latest", images, WithBuild(Build{EmptyDiffIDs: true}))
	if again.Digest != m.Digest {
		t.Errorf("second build digest %s, want %s", again.Digest, m.Digest)
	}
}

func TestBuildManifestConfigs(t *testing.T) {
	tests := []struct {
		name   string
		images []fixtures.Image
		opts   []CallOption
		want   string // a part of the config
		absent string
	}{
		{"entrypoint", fixtures.Sized(), nil, `"created_by":"/bin/sh -c #(nop) ENTRYPOINT ['hello']"`, ""},
		{"leaf config", fixtures.Sized(), nil, `"config":{"foo":"childbar","Entrypoint":["hello"]}`, ""},
		{"oci architecture", fixtures.Basic(), []CallOption{WithSchema(OCI)}, `{"os":"linux","architecture":"amd64","rootfs"`, ""},
		{"broken", fixtures.Basic(), []CallOption{WithBuild(Build{BrokenConfig: true, EmptyDiffIDs: true})}, `{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`, `"history"`},
		{"broken fixture", fixtures.BrokenConfig(), []CallOption{WithBuild(Build{EmptyDiffIDs: true})}, `"diff_ids":[]}}`, `"history"`},
		{"diff ids", fixtures.EmptyLayers(), nil, `"diff_ids":["` + string(fixtures.EmptyLayers()[0].Layer.DiffID()) + `","` +
			string(fixtures.EmptyLayers()[2].Layer.DiffID()) + `","` + string(fixtures.EmptyLayers()[4].Layer.DiffID()) + `"]}`, ""},
		{"utf-8", fixtures.Emoji(), nil, `"comment":"` + fixtures.EmojiComment + `"`, `\u`},
		{"ensure ascii", fixtures.Emoji(), []CallOption{WithBuild(Build{EnsureASCII: true})}, `"comment":"\ud83d\ude31","author":"S\u00f4m\u00e9 guy"`, fixtures.EmojiComment},
		{"empty manifest", nil, nil, `"history":[]}`, `"config"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := BuildManifest("r", "latest", tt.images, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			cfg := string(configOf(t, m))
			if !strings.Contains(cfg, tt.want) || tt.absent != "" && strings.Contains(cfg, tt.absent) {
				t.Errorf("config %s, want it to hold %s and not %q", cfg, tt.want, tt.absent)
			}
		})
	}
}

func TestBuildManifestLayers(t *testing.T) {
	remote := fixtures.Remote()
	t.Run("foreign", func(t *testing.T) {
		m, err := BuildManifest("r", "latest", remote)
		if err != nil {
			t.Fatal(err)
		}
		pm, _ := schema2.ParseManifest(m.Bytes)
		if l := pm.Layers[0]; l.MediaType != schema2.MediaTypeForeignLayer || !slices.Equal(l.URLs, []string{fixtures.RemoteURL}) {
			t.Errorf("layer 0 = %+v, want the foreign layer with its urls", l)
		}
		if slices.Contains(digests(m.Blobs), remote[0].Layer.Digest()) {
			t.Errorf("blobs %v hold the foreign layer", digests(m.Blobs))
		}
		if _, err := BuildManifest("r", "latest", remote, WithSchema(Schema1)); err == nil {
			t.Error("schema1 of a foreign layer built, want an error")
		}
	})
	t.Run("invalid references", func(t *testing.T) {
		for _, s := range []Schema{Schema2, OCI, Schema1} {
			m, err := BuildManifest("r", "latest", fixtures.Basic(), WithSchema(s), WithBuild(Build{InvalidBlobReferences: true}))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.Layers, []digest.Digest{NotARealThing, NotARealThing}) {
				t.Errorf("%s: layers %v, want NotARealThing twice", s, m.Layers)
			}
			// The real blobs are still uploaded.
			if !slices.Contains(digests(m.Blobs), fixtures.Basic()[0].Layer.Digest()) {
				t.Errorf("%s: blobs %v lack the real layers", s, digests(m.Blobs))
			}
		}
		if NotARealThing != digest.FromString("notarealthing") {
			t.Errorf("NotARealThing = %s, want sha256(\"notarealthing\")", NotARealThing)
		}
	})
	t.Run("oci media types", func(t *testing.T) {
		images := fixtures.MultiLayer()
		m, err := BuildManifest("r", "latest", images, WithSchema(OCI))
		if err != nil {
			t.Fatal(err)
		}
		pm, _ := schema2.ParseManifest(m.Bytes)
		if pm.MediaType != v1.MediaTypeImageManifest || pm.Config.MediaType != v1.MediaTypeImageConfig || pm.Layers[0].MediaType != v1.MediaTypeImageLayer {
			t.Errorf("OCI manifest %s, want OCI types with the plain tar layer type", m.Bytes)
		}
		// Docker writes every layer as gzip, as Quay did.
		m, _ = BuildManifest("r", "latest", images)
		pm, _ = schema2.ParseManifest(m.Bytes)
		if pm.Layers[0].MediaType != schema2.MediaTypeLayer {
			t.Errorf("Docker layer type %q, want %q", pm.Layers[0].MediaType, schema2.MediaTypeLayer)
		}
	})
}

func TestBuildManifestSchema1(t *testing.T) {
	images := fixtures.QuayIDs(fixtures.Sized()) // Quay's literal IDs: the bytes Quay sends
	m, err := BuildManifest("ns/repo", "v1", images, WithSchema(Schema1))
	if err != nil {
		t.Fatal(err)
	}
	sm, err := schema1.Parse(m.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != schema1.MediaTypeSignedManifest || m.Digest != sm.Digest() || m.Tag != "v1" || sm.Tag != "v1" || sm.Name != "ns/repo" {
		t.Errorf("manifest %s %s for %q, want a signed manifest of ns/repo:v1 digested over its payload", m.MediaType, m.Digest, m.Tag)
	}
	if !sm.Signatures[0].Key.Equal(DefaultSigningKey().Public()) || sm.Signatures[0].Time != "2020-06-05T12:00:00Z" {
		t.Errorf("signature %+v, want the default key at 2020-06-05T12:00:00Z", sm.Signatures[0])
	}
	want := []string{
		`{"id":"parentid","parent":null,"config":{"foo":"bar"},"Size":` + itoa(images[0].Size) + `}`,
		`{"id":"someid","parent":"parentid","config":{"foo":"childbar","Entrypoint":["hello"]},"Size":` + itoa(images[1].Size) + `,"created":"2018-04-03T18:37:09.284840891Z"}`,
	}
	for i, l := range sm.Layers {
		if l.V1Compatibility != want[i] || l.BlobSum != images[i].Layer.Digest() {
			t.Errorf("layer %d = %s %s, want %s %s", i, l.BlobSum, l.V1Compatibility, images[i].Layer.Digest(), want[i])
		}
	}
	if err := sm.ValidateParentChain(); err != nil {
		t.Error(err)
	}
	// Another key.
	k, err := schema1.RSAKeyFromSeed(2048, []byte("push test"))
	if err != nil {
		t.Fatal(err)
	}
	m2, err := BuildManifest("ns/repo", "v1", images, WithSchema(Schema1), WithBuild(Build{SigningKey: k}))
	if err != nil {
		t.Fatal(err)
	}
	sm2, _ := schema1.Parse(m2.Bytes)
	if sm2.Signatures[0].Algorithm != "RS256" || m2.Digest != m.Digest {
		t.Errorf("RSA-signed: %s, digest %s, want RS256 and the same digest %s", sm2.Signatures[0].Algorithm, m2.Digest, m.Digest)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestPush pushes to the fake and checks what it received.
func TestPush(t *testing.T) {
	ctx := context.Background()
	for _, s := range []Schema{Schema2, OCI, Schema1} {
		t.Run(string(s), func(t *testing.T) {
			f := newPushFake(t)
			images := fixtures.Basic()
			res, err := f.client(t).Push(ctx, "ns/repo", []string{"a", "b"}, images, WithSchema(s))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Complete || len(res.Manifests) != 2 {
				t.Fatalf("result %+v, want complete with 2 manifests", res)
			}
			for i, tag := range []string{"a", "b"} {
				m := res.Manifest(tag)
				if m == nil || m.Tag != tag || m.Put.Reference != tag || m.Put.Location == "" {
					t.Fatalf("manifest %d = %+v, want tag %q put", i, m, tag)
				}
				got := f.manifests["ns/repo:"+tag]
				if !bytes.Equal(got.body, m.Bytes) || got.contentType != m.MediaType {
					t.Errorf("tag %s: the fake holds %s %s, want %s %s", tag, got.contentType, got.body, m.MediaType, m.Bytes)
				}
			}
			// The blobs: each once.
			var posts int
			for _, r := range f.requests() {
				if r.Method == http.MethodPost {
					posts++
				}
			}
			if want := len(res.Blobs); posts != want || (s == Schema1) != (want == 2) {
				t.Errorf("%d uploads of %d blobs", posts, want)
			}
		})
	}
}

// TestPushByDigest: without tags Push needs WithPushByDigest, and puts one
// manifest at its digest.
func TestPushByDigest(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	c := f.client(t)
	if _, err := c.Push(ctx, "r", nil, fixtures.Basic()); err == nil {
		t.Error("Push without tags succeeded")
	}
	res, err := c.Push(ctx, "r", nil, fixtures.Basic(), WithPushByDigest())
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifests[0]
	if m.Put.Reference != string(m.Digest) || m.Tag != "" {
		t.Errorf("put at %q for tag %q, want the digest %s", m.Put.Reference, m.Tag, m.Digest)
	}
	if _, ok := f.manifests["r@"+string(m.Digest)]; !ok {
		t.Error("the fake holds no manifest at the digest")
	}
}

// TestPushOptions: the Accept, remote-address and content-type options
// reach the requests.
func TestPushOptions(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	var mu sync.Mutex
	seen := map[string][]string{}
	f.mu.Lock()
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/v2/" {
			seen["accept"] = append(seen["accept"], strings.Join(r.Header.Values("Accept"), "|"))
			seen["addr"] = append(seen["addr"], r.Header.Get(RemoteAddrHeader))
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
				seen["ct"] = append(seen["ct"], r.Header.Get("Content-Type"))
			}
		}
		return false
	}
	f.mu.Unlock()
	_, err := f.client(t).Push(ctx, "r", []string{"x"}, fixtures.Basic(), WithAccept(), WithHeaders(Headers{RemoteAddr: "6.0.0.0", ManifestContentType: "application/vnd.registrytest+json"}), WithBlobChecks(BlobChecks{SkipGet: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range seen["accept"] {
		if a != "" {
			t.Errorf("Accept %q, want an empty header", a)
		}
	}
	for _, a := range seen["addr"] {
		if a != "6.0.0.0" {
			t.Errorf("%s %q, want 6.0.0.0", RemoteAddrHeader, a)
		}
	}
	if !slices.Equal(seen["ct"], []string{"application/vnd.registrytest+json"}) {
		t.Errorf("manifest Content-Type %v, want the override", seen["ct"])
	}
}

// TestPushInvalidBlobReferences: Build.InvalidBlobReferences builds
// manifests the registry must refuse; the call expects the refusal only
// when it says so (ExpectFailure), met at put-manifest.
func TestPushInvalidBlobReferences(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	f.mu.Lock()
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			fakeErr(w, 400, failures.CodeManifestBlobUnknown)
			return true
		}
		return false
	}
	f.mu.Unlock()
	c := f.client(t)
	invalid := WithBuild(Build{InvalidBlobReferences: true})
	expect := ExpectFailure(failures.InvalidBlob)
	res, err := c.Push(ctx, "r", []string{"x"}, fixtures.Basic(), invalid, expect)
	if err != nil || res != nil {
		t.Errorf("Push = %+v, %v, want nil, nil", res, err)
	}
	// Quay's table: 400 with no code.
	res, err = f.client(t, WithTable(failures.Quay)).Push(ctx, "r2", []string{"x"}, fixtures.Basic(), invalid, expect)
	if err != nil || res != nil {
		t.Errorf("Push with Quay's table = %+v, %v, want nil, nil", res, err)
	}
	// Without ExpectFailure the option expects nothing: the refusal is an
	// error of the call.
	_, err = c.Push(ctx, "r4", []string{"x"}, fixtures.Basic(), invalid)
	var se *StatusError
	if !errors.As(err, &se) || se.Failure != "" || se.Got != 400 || se.Step != failures.PutManifest {
		t.Errorf("Push without ExpectFailure: %v, want put-manifest = 400, want 201", err)
	}
	// A registry that accepts the manifest misses the failure.
	f.mu.Lock()
	f.hook = nil
	f.mu.Unlock()
	_, err = c.Push(ctx, "r3", []string{"x"}, fixtures.Basic(), invalid, expect)
	if !errors.As(err, &se) || !se.Mapped || se.Got != 201 || se.Failure != failures.InvalidBlob {
		t.Errorf("Push to a registry that takes it: %v, want put-manifest = 201, want 400 for invalid-blob", err)
	}
}

// TestPushStopsBeforeManifests: canceled uploads and chunks that leave
// bytes unsent end a push before its manifests.
func TestPushStopsBeforeManifests(t *testing.T) {
	ctx := context.Background()
	for _, opts := range [][]CallOption{
		{WithUpload(Upload{Cancel: true})},
		{WithUpload(Upload{Chunks: []Chunk{{0, 10, 0}, {11, ChunkToEnd, 416}}})},
	} {
		f := newPushFake(t)
		res, err := f.client(t).Push(ctx, "r", []string{"x"}, fixtures.Basic(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if res.Complete || len(res.Manifests) != 0 || len(f.manifests) != 0 {
			t.Errorf("result %+v, want no manifest put", res)
		}
	}
}

func TestPushList(t *testing.T) {
	ctx := context.Background()
	t.Run("docker", func(t *testing.T) {
		f := newPushFake(t)
		list := fixtures.QuayList()
		res, err := f.client(t).PushList(ctx, "r", []string{"latest"}, list, WithBuild(Build{ChildSchemas: []Schema{Schema1}}))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Children) != 2 || res.Children[0].MediaType != schema1.MediaTypeManifest || res.Children[1].MediaType != schema2.MediaTypeManifest {
			t.Fatalf("children %+v, want an unsigned schema1 and a schema2 manifest", res.Children)
		}
		s1, err := schema1.Parse(res.Children[0].Bytes)
		if err != nil || s1.Signed() {
			t.Errorf("schema1 child: %v, signed %v, want it unsigned", err, s1 != nil && s1.Signed())
		}
		l := res.Manifests[0]
		ix, err := schema2.ParseIndex(l.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if l.MediaType != schema2.MediaTypeManifestList || len(ix.Manifests) != 2 {
			t.Fatalf("list %s", l.Bytes)
		}
		for i, ch := range ix.Manifests {
			want := res.Children[i].Descriptor()
			want.Platform = list.Index.Manifests[i].Platform
			if diff := cmp.Diff(want, ch); diff != "" {
				t.Errorf("entry %d (-want +got):\n%s", i, diff)
			}
		}
		// The children went first, by digest; then the list at the tag.
		var puts []string
		for _, r := range f.requests() {
			if r.Method == http.MethodPut && strings.Contains(r.Path, "/manifests/") {
				puts = append(puts, strings.TrimPrefix(r.Path, "/v2/r/manifests/"))
			}
		}
		if diff := cmp.Diff([]string{string(res.Children[0].Digest), string(res.Children[1].Digest), "latest"}, puts); diff != "" {
			t.Errorf("PUTs (-want +got):\n%s", diff)
		}
	})
	t.Run("oci-subject", func(t *testing.T) {
		f := newPushFake(t)
		set := fixtures.OCIIndexWithSubject(5)
		// The first index is pushed, then a list naming it as subject.
		c := f.client(t)
		first, err := c.PushList(ctx, "r", []string{"index"}, set.Manifests[0], WithSchema(OCI))
		if err != nil {
			t.Fatal(err)
		}
		ref := set.Manifests[1]
		desc := first.Manifests[0].Descriptor()
		ref.Subject = &fixtures.Subject{Descriptor: &desc}
		res, err := c.PushList(ctx, "r", []string{"tagged-artifact"}, ref, WithSchema(OCI))
		if err != nil {
			t.Fatal(err)
		}
		ix, _ := schema2.ParseIndex(res.Manifests[0].Bytes)
		if ix.Subject == nil || ix.Subject.Digest != desc.Digest || ix.ArtifactType != fixtures.ArtifactTypeExample {
			t.Errorf("index %s, want the subject %s and the artifactType", res.Manifests[0].Bytes, desc.Digest)
		}
	})
	t.Run("errors", func(t *testing.T) {
		f := newPushFake(t)
		c := f.client(t)
		if _, err := c.PushList(ctx, "r", []string{"x"}, &fixtures.Manifest{Images: fixtures.Basic()}); err == nil {
			t.Error("PushList of an image succeeded")
		}
		noPlatform := fixtures.IndexOf(&fixtures.Manifest{Images: fixtures.Basic()})
		if _, err := c.PushList(ctx, "r", []string{"x"}, noPlatform); err == nil || !strings.Contains(err.Error(), "platform") {
			t.Errorf("PushList of a Docker list without platforms: %v, want an error about it", err)
		}
		if _, err := c.PushList(ctx, "r", []string{"x"}, noPlatform, WithSchema(OCI)); err != nil {
			t.Errorf("PushList of an OCI index without platforms: %v", err)
		}
	})
}

func TestPushManifest(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	f.mu.Lock()
	f.mangle = func(r *http.Request, h http.Header, status int) int {
		if r.Method == http.MethodPut {
			h.Set("OCI-Subject", "sha256:abc")
		}
		return status
	}
	f.mu.Unlock()
	c := f.client(t)
	body := []byte(`{"schemaVersion":2}`)
	d := digest.FromBytes(body)
	res, err := c.PushManifest(ctx, "r", string(d), v1.MediaTypeImageManifest, body, WithTagParams("a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	want := &ManifestResult{Reference: string(d), Digest: d, Location: f.srv.URL + "/v2/r/manifests/" + string(d), Subject: "sha256:abc", Tags: []string{"a", "b"}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	last := f.requests()[len(f.requests())-1]
	if last.Query != "tag=a&tag=b" || last.ContentType != v1.MediaTypeImageManifest {
		t.Errorf("PUT query %q, Content-Type %q", last.Query, last.ContentType)
	}
	// A registry that answers another digest.
	f.mu.Lock()
	f.mangle = func(r *http.Request, h http.Header, status int) int {
		h.Set("Docker-Content-Digest", string(digest.FromString("x")))
		return status
	}
	f.mu.Unlock()
	_, err = c.PushManifest(ctx, "r", "t", v1.MediaTypeImageManifest, body)
	var re *ResponseError
	if !errors.As(err, &re) || re.What != "Docker-Content-Digest" || re.Step != failures.PutManifest {
		t.Errorf("PushManifest: %v, want a *ResponseError about Docker-Content-Digest", err)
	}
	// An index goes at the put-manifest-list step.
	f.mu.Lock()
	f.mangle = nil
	f.mu.Unlock()
	f.mu.Lock()
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut {
			fakeErr(w, 400, failures.CodeManifestBlobUnknown)
			return true
		}
		return false
	}
	f.mu.Unlock()
	_, err = c.PushManifest(ctx, "r", "t", v1.MediaTypeImageIndex, body, ExpectFailure(failures.InvalidManifestInList))
	if err != nil {
		t.Errorf("PushManifest of an index expecting invalid-manifest-in-list: %v", err)
	}
	// A signed schema1 manifest: its digest is over the payload.
	f.mu.Lock()
	f.hook = nil
	f.mu.Unlock()
	m, err := BuildManifest("r", "t", fixtures.Basic(), WithSchema(Schema1))
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.mangle = func(r *http.Request, h http.Header, status int) int {
		h.Set("Docker-Content-Digest", string(m.Digest))
		return status
	}
	f.mu.Unlock()
	res, err = c.PushManifest(ctx, "r", "t", m.MediaType, m.Bytes)
	if err != nil || res.Digest != m.Digest {
		t.Errorf("PushManifest of schema1 = %+v, %v, want digest %s", res, err, m.Digest)
	}
}

// TestPushScopes: the token asks for push and pull, delete to cancel, and
// pull on the mount sources.
func TestPushScopes(t *testing.T) {
	ctx := context.Background()
	f := newFakeRegistry(t, "bearer")
	var got [][]string
	c := f.client(t)
	for _, opts := range [][]CallOption{
		nil,
		{WithUpload(Upload{Cancel: true})},
		{WithUpload(Upload{Mounts: map[digest.Digest]string{"sha256:a": "b/src", "sha256:b": "a/src", "sha256:c": "", "sha256:d": "a/src"}})},
	} {
		f.tokenReqs = nil
		_, _ = c.PushBlob(ctx, "ns/r", randomBlob(1, 10), append(opts, WithCredentials("alice", "s3cret"))...)
		if len(f.tokenReqs) > 0 {
			got = append(got, f.tokenReqs[0].Query["scope"])
		}
	}
	want := [][]string{
		{"repository:ns/r:push,pull"},
		{"repository:ns/r:push,pull,delete"},
		{"repository:ns/r:push,pull", "repository:a/src:pull", "repository:b/src:pull"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
}

// FuzzPushBlobAnswers: whatever a registry answers to an upload (status,
// Location, Range, UUID, chunk minimum, digests, body), PushBlob returns
// in time without panicking.
func FuzzPushBlobAnswers(f *testing.F) {
	f.Add(uint8(0), 202, "/v2/r/blobs/uploads/x", "0-99", "x", "1024", "sha256:00", []byte("body"))
	f.Add(uint8(1), 201, "http://[::1", "0--1", "", "-5", "", []byte{})
	f.Add(uint8(2), 416, "ftp://host/x", "bytes=0-", "y", "99999999999999999999", "sha256:zz", []byte("{\"errors\":[{\"code\":1}]}"))
	f.Add(uint8(3), 204, "//other:1/x?_state=a", "0-18446744073709551615", "z", "0", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []byte(nil))
	f.Fuzz(func(t *testing.T, which uint8, status int, location, rng, uuid, minLen, dig string, body []byte) {
		if status < 100 || status > 599 {
			status = 500
		}
		fk := newPushFake(t)
		n := 0
		fk.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/v2/" {
				return false
			}
			n++
			if n%4 != int(which%4) {
				return false
			}
			h := w.Header()
			for k, v := range map[string]string{"Location": location, "Range": rng, "Docker-Upload-UUID": uuid,
				"OCI-Chunk-Min-Length": minLen, "Docker-Content-Digest": dig} {
				if v != "" && !strings.ContainsAny(v, "\r\n\x00") {
					h.Set(k, v)
				}
			}
			w.WriteHeader(status)
			w.Write(body)
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		u := Upload{ChunkSize: 40, Mounts: map[digest.Digest]string{}}
		if which&4 != 0 {
			u.Style = UploadPostDigest
		}
		_, _ = fk.client(t).PushBlob(ctx, "r", randomBlob(1, 100), WithUpload(u))
	})
}
