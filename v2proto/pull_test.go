package v2proto

import (
	"context"
	"crypto/elliptic"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/internal/imagetest"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

const pullRepo = "ns/sub/repo"

func memClient(t testing.TB, m *memRegistry, opts ...Option) *Client {
	t.Helper()
	return m.client(t, opts...)
}

// manifestRequests returns the requests of m to manifests, as "METHOD ref
// Accept=…" (Accept "<none>" when absent).
func manifestRequests(m *memRegistry) []string {
	var out []string
	for _, r := range m.requests() {
		_, ref, ok := strings.Cut(r.URL.Path, "/manifests/")
		if !ok {
			continue
		}
		acc := "<none>"
		if v, ok := r.Header["Accept"]; ok {
			acc = strings.Join(v, "|")
		}
		out = append(out, r.Method+" "+ref+" Accept="+acc)
	}
	return out
}

func blobGets(m *memRegistry) []string {
	var out []string
	for _, r := range m.requests() {
		if _, d, ok := strings.Cut(r.URL.Path, "/blobs/"); ok && r.Method == http.MethodGet {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

func TestPullFormats(t *testing.T) {
	s2types := schema2.MediaTypeManifest + "," + schema2.MediaTypeManifestList
	ocitypes := v1.MediaTypeImageManifest + "," + v1.MediaTypeImageIndex
	tests := []struct {
		name     string
		schema   Schema
		images   []fixtures.Image
		opts     []CallOption
		accept   string
		wantKind schema2.Kind
	}{
		{"schema2", Schema2, fixtures.Basic(), nil, s2types, schema2.KindDockerManifest},
		{"schema2 empty layers", Schema2, fixtures.EmptyLayers(), nil, s2types, schema2.KindDockerManifest},
		{"schema2 no layers", Schema2, []fixtures.Image{}, nil, s2types, schema2.KindDockerManifest},
		{"oci", OCI, fixtures.Basic(), nil, ocitypes, schema2.KindOCIManifest},
		{"schema1", Schema1, fixtures.Basic(), nil, "<none>", schema2.KindSchema1Signed},
		{"schema1 empty layers", Schema1, fixtures.EmptyLayers(), nil, "<none>", schema2.KindSchema1Signed},
		{"empty Accept", Schema2, fixtures.Basic(), []CallOption{WithAccept()}, "", schema2.KindDockerManifest},
		{"Accept given", OCI, fixtures.Basic(), []CallOption{WithAccept("application/json", v1.MediaTypeImageManifest)}, "application/json," + v1.MediaTypeImageManifest, schema2.KindOCIManifest},
		{"matching type", OCI, fixtures.Basic(), []CallOption{WithRequireMatchingType()}, ocitypes, schema2.KindOCIManifest},
		{"one blob at a time", Schema2, fixtures.MultiLayer(), []CallOption{WithLimits(Limits{Concurrency: 1})}, s2types, schema2.KindDockerManifest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemRegistry(t, pullRepo)
			b := buildImage(t, tt.schema, pullRepo, "latest", tt.images)
			m.put("latest", b)
			c := memClient(t, m)
			opts := append([]CallOption{WithSchema(tt.schema)}, tt.opts...)
			res, err := c.Pull(context.Background(), pullRepo, []string{"latest", string(b.digest)}, tt.images, opts...)
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if len(res.Manifests) != 2 {
				t.Fatalf("Pull returned %d manifests, want 2", len(res.Manifests))
			}
			for i, ref := range []string{"latest", string(b.digest)} {
				pm := res.Manifests[i]
				if pm.Ref != ref || pm.Digest != b.digest || pm.Kind != tt.wantKind || pm.ContentType != b.mediaType || string(pm.Bytes) != string(b.manifest) {
					t.Errorf("manifest %d = ref %q digest %s kind %v type %q, want %q %s %v %q", i, pm.Ref, pm.Digest, pm.Kind, pm.ContentType, ref, b.digest, tt.wantKind, b.mediaType)
				}
				if res.Manifest(ref) != pm {
					t.Errorf("Manifest(%q) is not the manifest of that ref", ref)
				}
				if tt.schema == Schema1 {
					if pm.Schema1 == nil || pm.Document != nil || pm.V1ID != tt.images[len(tt.images)-1].ID {
						t.Errorf("schema1 manifest: Schema1 %v, Document %v, V1ID %q, want parsed, nil, %q", pm.Schema1 != nil, pm.Document, pm.V1ID, tt.images[len(tt.images)-1].ID)
					}
				} else if _, ok := pm.Document.(*schema2.Manifest); !ok || pm.Schema1 != nil {
					t.Errorf("manifest %d: Document %T, Schema1 %v, want a *schema2.Manifest", i, pm.Document, pm.Schema1)
				}
			}
			// Every blob fetched once per ref.
			var want []string
			for d := range b.blobs {
				want = append(want, string(d), string(d))
			}
			if tt.schema != Schema1 {
				// Empty layers are not referenced by schema2 and OCI.
				want = want[:0]
				for d, l := range b.blobs {
					if d == fixtures.EmptyLayerDigest && !slices.ContainsFunc(tt.images, func(im fixtures.Image) bool { return !im.Empty && im.Layer == l }) {
						continue
					}
					want = append(want, string(d), string(d))
				}
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, blobGets(m)); diff != "" {
				t.Errorf("blob GETs mismatch (-want +got):\n%s", diff)
			}
			for _, r := range manifestRequests(m) {
				if !strings.HasSuffix(r, " Accept="+tt.accept) {
					t.Errorf("manifest request %s, want Accept=%s", r, tt.accept)
				}
			}
		})
	}
}

func TestPullResultBlobs(t *testing.T) {
	m := newMemRegistry(t, pullRepo)
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	m.put("latest", b)
	res, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := res.Manifests[0].Document.(*schema2.Manifest)
	want := []digest.Digest{doc.Config.Digest, images[0].Layer.Digest(), images[1].Layer.Digest()}
	if diff := cmp.Diff(want, res.Manifests[0].Blobs); diff != "" {
		t.Errorf("Blobs mismatch (-want +got):\n%s", diff)
	}
}

func TestPullForeignLayer(t *testing.T) {
	images := fixtures.Remote()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	foreign := images[0].Layer.Digest()

	m := newMemRegistry(t, pullRepo)
	m.put("latest", b)
	c := memClient(t, m)
	res, err := c.Pull(context.Background(), pullRepo, []string{"latest"}, images)
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if slices.Contains(res.Manifests[0].Blobs, foreign) {
		t.Errorf("Blobs holds the foreign layer %s", foreign)
	}
	if !slices.Contains(blobGets(m), string(foreign)) {
		t.Errorf("the foreign layer was not asked for (with images, its GET must answer 404)")
	}

	// Without images, a foreign layer is not fetched.
	m2 := newMemRegistry(t, pullRepo)
	m2.put("latest", b)
	if _, err := memClient(t, m2).Pull(context.Background(), pullRepo, []string{"latest"}, nil); err != nil {
		t.Fatalf("Pull without images: %v", err)
	}
	if slices.Contains(blobGets(m2), string(foreign)) {
		t.Errorf("Pull without images fetched the foreign layer")
	}

	// A registry may serve the foreign layer: its bytes are then checked,
	// and it is among the Blobs.
	m3 := newMemRegistry(t, pullRepo)
	m3.put("latest", b)
	m3.blobs[foreign] = images[0].Layer
	res, err = memClient(t, m3).Pull(context.Background(), pullRepo, []string{"latest"}, images)
	if err != nil || !slices.Contains(res.Manifests[0].Blobs, foreign) {
		t.Errorf("Pull with the foreign layer served: %v, want it among the blobs", err)
	}
	m3.blobs[foreign] = images[1].Layer
	_, err = memClient(t, m3).Pull(context.Background(), pullRepo, []string{"latest"}, images)
	if err == nil || !strings.Contains(err.Error(), "body digest") && !strings.Contains(err.Error(), "Content-Length") {
		t.Errorf("Pull with other bytes served for the foreign layer: %v, want an error about them", err)
	}
}

func TestPullManifestDigestMismatch(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	other := buildImage(t, Schema2, pullRepo, "latest", fixtures.Different())
	tests := []struct {
		name   string
		ref    string
		header digest.Digest
		want   string
	}{
		{"header is another digest", "latest", other.digest,
			fmt.Sprintf("GET /v2/%s/manifests/latest = 200, Docker-Content-Digest %s, want %s (the body's) (get-manifest)", pullRepo, other.digest, b.digest)},
		{"header is not the ref", string(b.digest), other.digest,
			fmt.Sprintf("GET /v2/%s/manifests/%s = 200, Docker-Content-Digest %s, want %s (get-manifest)", pullRepo, b.digest, other.digest, b.digest)},
		{"header not a digest", "latest", "sha256:zz",
			fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, Docker-Content-Digest "sha256:zz", want a digest (get-manifest)`, pullRepo)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemRegistry(t, pullRepo)
			m.put("latest", b)
			for ref, mm := range m.manifests {
				mm.digest = tt.header
				m.manifests[ref] = mm
			}
			_, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{tt.ref}, images)
			var re *ResponseError
			if !errors.As(err, &re) || re.Step != failures.GetManifest {
				t.Fatalf("Pull: %v, want a *ResponseError at get-manifest", err)
			}
			if err.Error() != tt.want {
				t.Errorf("Pull error:\n%s\nwant\n%s", err, tt.want)
			}
			if gets := blobGets(m); len(gets) > 0 {
				t.Errorf("Pull fetched blobs %v after a bad manifest answer", gets)
			}
		})
	}
}

func TestPullBlobMismatch(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	leaf := images[1].Layer
	wrong := fixtures.LayerForContents([]byte("not the leaf"))
	flipped := imagetest.LayerBytes(t, leaf)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name  string
		serve *fixtures.Layer
		want  string
	}{
		{"other bytes", fixtures.NewBlob("x", flipped),
			fmt.Sprintf("GET /v2/%s/blobs/%s = 200, body digest %s, want %s (get-blob)", pullRepo, leaf.Digest(),
				digest.FromBytes(flipped), leaf.Digest())},
		{"other length", wrong,
			fmt.Sprintf("GET /v2/%s/blobs/%s = 200, Content-Length %d, want %d (get-blob)", pullRepo, leaf.Digest(), wrong.Size(), leaf.Size())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemRegistry(t, pullRepo)
			m.put("latest", b)
			m.blobs[leaf.Digest()] = tt.serve
			_, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, images)
			var re *ResponseError
			if !errors.As(err, &re) || re.Step != failures.GetBlob {
				t.Fatalf("Pull: %v, want a *ResponseError at get-blob", err)
			}
			if err.Error() != tt.want {
				t.Errorf("Pull error:\n%s\nwant\n%s", err, tt.want)
			}
		})
	}

	// A body longer than it says.
	m := newMemRegistry(t, pullRepo)
	m.put("latest", b)
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, string(leaf.Digest())) {
			return false
		}
		w.(http.Flusher).Flush() // no Content-Length
		w.Write(imagetest.LayerBytes(t, leaf))
		w.Write([]byte("more"))
		return true
	}
	_, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, images)
	want := fmt.Sprintf("GET /v2/%s/blobs/%s = 200, body more than %d bytes, want %d bytes (get-blob)", pullRepo, leaf.Digest(), leaf.Size(), leaf.Size())
	if err == nil || err.Error() != want {
		t.Errorf("Pull with a long body: %v\nwant %s", err, want)
	}
}

func TestPullImagesMismatch(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	s1 := buildImage(t, Schema1, pullRepo, "latest", images)
	tests := []struct {
		name   string
		built  builtImage
		schema Schema
		images []fixtures.Image
		want   string
	}{
		{"other layer", b, Schema2, fixtures.Different(),
			fmt.Sprintf("GET /v2/%s/manifests/latest = 200, layers[0].digest %s, want %s (image %q) (get-manifest)", pullRepo,
				images[0].Layer.Digest(), fixtures.Different()[0].Layer.Digest(), fixtures.Different()[0].ID)},
		{"fewer images", b, Schema2, images[:1],
			fmt.Sprintf("GET /v2/%s/manifests/latest = 200, layers 2 layers, want 1 (one per image that is not empty) (get-manifest)", pullRepo)},
		{"schema1 other layer", s1, Schema1, fixtures.Different(),
			fmt.Sprintf("GET /v2/%s/manifests/latest = 200, fsLayers[1].blobSum %s, want %s (image %q) (get-manifest)", pullRepo,
				images[0].Layer.Digest(), fixtures.Different()[0].Layer.Digest(), fixtures.Different()[0].ID)},
		{"schema1 for a schema1 pull only", b, Schema1, images,
			fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, Content-Type %q, want %q or %q (schema1 pull) (get-manifest)`, pullRepo,
				schema2.MediaTypeManifest, schema1.MediaTypeSignedManifest, schema1.MediaTypeManifest)},
		{"matching type", s1, OCI, images,
			fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, Content-Type %q, want %q or %q (oci pull) (get-manifest)`, pullRepo,
				schema1.MediaTypeSignedManifest, v1.MediaTypeImageManifest, v1.MediaTypeImageIndex)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemRegistry(t, pullRepo)
			m.put("latest", tt.built)
			_, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, tt.images, WithSchema(tt.schema), WithRequireMatchingType())
			if err == nil || err.Error() != tt.want {
				t.Errorf("Pull: %v\nwant %s", err, tt.want)
			}
		})
	}
	// Without WithRequireMatchingType, an OCI pull takes a schema1 answer
	// (an old registry's down-conversion).
	m := newMemRegistry(t, pullRepo)
	m.put("latest", s1)
	res, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, images, WithSchema(OCI))
	if err != nil || res.Manifests[0].Kind != schema2.KindSchema1Signed {
		t.Errorf("OCI pull of a schema1 answer: %v, want it parsed as schema1", err)
	}
}

func TestPullSchema1Resigned(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema1, pullRepo, "latest", images)
	orig, err := schema1.Parse(b.manifest)
	if err != nil {
		t.Fatal(err)
	}
	// The registry re-signs the payload with a key of its own: other
	// bytes, the same digest.
	key, err := schema1.ECKeyFromSeed(elliptic.P256(), []byte("the registry"))
	if err != nil {
		t.Fatal(err)
	}
	resigned, err := schema1.Sign(orig.Payload, time.Unix(1e9, 0), schema1.Signer{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	m := newMemRegistry(t, pullRepo)
	m.put("latest", builtImage{manifest: resigned, mediaType: b.mediaType, digest: b.digest, blobs: b.blobs})
	res, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest", string(b.digest)}, images, WithSchema(Schema1))
	if err != nil {
		t.Fatalf("Pull of a re-signed schema1: %v", err)
	}
	if got := res.Manifests[0].Schema1.Signatures[0].Key.KeyID(); got != key.KeyID() {
		t.Errorf("signature key %s, want the registry's %s", got, key.KeyID())
	}

	// A signature that does not verify.
	bad := []byte(strings.Replace(string(resigned), `"amd64"`, `"arm64"`, 1))
	m.put("latest", builtImage{manifest: bad, mediaType: b.mediaType, digest: b.digest, blobs: b.blobs})
	_, err = memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, images, WithSchema(Schema1))
	var re *ResponseError
	if !errors.As(err, &re) || re.Step != failures.GetManifest || !strings.Contains(err.Error(), "invalid signature") {
		t.Errorf("Pull of a tampered schema1: %v, want a *ResponseError at get-manifest about the signature", err)
	}

	// A digest header over the signed bytes rather than the payload.
	m.put("latest", builtImage{manifest: resigned, mediaType: b.mediaType, digest: digest.FromBytes(resigned), blobs: b.blobs})
	_, err = memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, images, WithSchema(Schema1))
	want := fmt.Sprintf("GET /v2/%s/manifests/latest = 200, Docker-Content-Digest %s, want %s (the schema1 payload's) (get-manifest)", pullRepo, digest.FromBytes(resigned), b.digest)
	if err == nil || err.Error() != want {
		t.Errorf("Pull with the digest of the signed bytes: %v\nwant %s", err, want)
	}
}

func TestPullExpectedFailures(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	m := newMemRegistry(t, pullRepo)
	m.put("latest", b)
	c := memClient(t, m)
	ctx := context.Background()

	res, err := c.Pull(ctx, pullRepo, []string{"nope"}, images, ExpectFailure(failures.UnknownTag))
	if err != nil || res != nil {
		t.Errorf("Pull of an unknown tag expecting unknown-tag = %v, %v, want nil, nil", res, err)
	}
	_, err = c.Pull(ctx, pullRepo, []string{"nope"}, images)
	want := fmt.Sprintf("GET /v2/%s/manifests/nope = 404 MANIFEST_UNKNOWN, want 200 (get-manifest)", pullRepo)
	var se *StatusError
	if !errors.As(err, &se) || se.Step != failures.GetManifest || err.Error() != want {
		t.Errorf("Pull of an unknown tag: %v, want %s", err, want)
	}
	// The failure must be met where the table maps it.
	_, err = c.Pull(ctx, pullRepo, []string{"latest"}, images, ExpectFailure(failures.UnknownTag))
	want = fmt.Sprintf("GET /v2/%s/manifests/latest = 200, want 404 MANIFEST_UNKNOWN for unknown-tag (get-manifest)", pullRepo)
	if !errors.As(err, &se) || !se.Mapped || err.Error() != want {
		t.Errorf("Pull of a known tag expecting unknown-tag: %v, want %s", err, want)
	}
	// A failure no step of a pull meets.
	_, err = c.Pull(ctx, pullRepo, []string{"latest"}, images, ExpectFailure(failures.ReadonlyRegistry))
	var mf *MissedFailureError
	if !errors.As(err, &mf) || mf.Call != "Pull" {
		t.Errorf("Pull expecting readonly-registry: %v, want a *MissedFailureError", err)
	}
	// A failure met at get-blob (Quay's geo-blocking) stops the blob GETs.
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/blobs/") {
			if r.Header.Get(RemoteAddrHeader) != "10.0.0.1" {
				t.Errorf("blob GET with %s %q, want 10.0.0.1", RemoteAddrHeader, r.Header.Get(RemoteAddrHeader))
			}
			writeErrors(w, http.StatusForbidden, failures.CodeDenied, "geo-blocked")
			return true
		}
		return false
	}
	qc := memClient(t, m, WithTable(failures.Quay))
	res, err = qc.Pull(ctx, pullRepo, []string{"latest"}, images, ExpectFailure(failures.GeoBlocked), WithHeaders(Headers{RemoteAddr: "10.0.0.1"}))
	if err != nil || res != nil {
		t.Errorf("Pull expecting geo-blocked = %v, %v, want nil, nil", res, err)
	}
}

func TestPullWithoutToken(t *testing.T) {
	// A Bearer registry whose token server refuses anonymous clients, with
	// Quay's table: anonymous-not-allowed at auth 401 and at get-manifest
	// 401.
	f := newFakeRegistry(t, "bearer")
	f.tokenSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusUnauthorized, failures.CodeUnauthorized, "anonymous access denied")
	})
	c := f.client(t, WithTable(failures.Quay))
	ctx := context.Background()
	res, err := c.Pull(ctx, pullRepo, []string{"latest"}, nil, ExpectFailure(failures.AnonymousNotAllowed))
	if err != nil || res != nil {
		t.Fatalf("Pull expecting anonymous-not-allowed = %v, %v, want nil, nil", res, err)
	}
	if got := f.takeRequests(); len(got) != 1 {
		t.Errorf("Pull without WithPullWithoutToken sent registry requests %q, want the ping only", got)
	}
	res, err = c.Pull(ctx, pullRepo, []string{"latest"}, nil, ExpectFailure(failures.AnonymousNotAllowed), WithPullWithoutToken())
	if err != nil || res != nil {
		t.Fatalf("Pull expecting anonymous-not-allowed without a token = %v, %v, want nil, nil", res, err)
	}
	want := []string{"GET /v2/ ", "GET /v2/" + pullRepo + "/manifests/latest "}
	if diff := cmp.Diff(want, f.takeRequests()); diff != "" {
		t.Errorf("registry requests mismatch (-want +got):\n%s", diff)
	}
	// unauthenticated is mapped at auth only: the pull goes on and the
	// manifest GET must succeed, which it does not here.
	_, err = c.Pull(ctx, pullRepo, []string{"latest"}, nil, ExpectFailure(failures.Unauthenticated), WithPullWithoutToken())
	want2 := fmt.Sprintf("GET /v2/%s/manifests/latest = 401 UNAUTHORIZED, want 200 (get-manifest)", pullRepo)
	if err == nil || err.Error() != want2 {
		t.Errorf("Pull expecting unauthenticated without a token: %v, want %s", err, want2)
	}
}

func TestPullBadAnswers(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	tests := []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  string
	}{
		{"too long", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", schema2.MediaTypeManifest)
			w.Header().Set("Docker-Content-Digest", string(b.digest))
			w.Write(b.manifest)
			w.(http.Flusher).Flush() // no Content-Length
			for range MaxManifestBody / 1024 {
				w.Write([]byte(strings.Repeat(" ", 1024)))
			}
		}, fmt.Sprintf("GET /v2/%s/manifests/latest = 200, body more than %d bytes, want a manifest of at most %d bytes (MaxManifestBody) (get-manifest)", pullRepo, MaxManifestBody, MaxManifestBody)},
		{"too long announced", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", fmt.Sprint(MaxManifestBody+1))
			w.WriteHeader(200)
		}, fmt.Sprintf("GET /v2/%s/manifests/latest = 200, Content-Length %d, want at most %d (MaxManifestBody) (get-manifest)", pullRepo, MaxManifestBody+1, MaxManifestBody)},
		{"unknown type", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Docker-Content-Digest", string(b.digest))
			w.Write(b.manifest)
		}, fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, Content-Type "text/plain", want a manifest media type (get-manifest)`, pullRepo)},
		{"type and body disagree", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", v1.MediaTypeImageIndex)
			w.Header().Set("Docker-Content-Digest", string(b.digest))
			w.Write(b.manifest)
		}, fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, body "schema2.Detect: `, pullRepo)},
		{"not JSON", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", schema2.MediaTypeManifest)
			w.Header().Set("Docker-Content-Digest", string(digest.FromString("{")))
			w.Write([]byte("{"))
		}, fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, body "schema2.Detect: body`, pullRepo)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemRegistry(t, pullRepo)
			m.put("latest", b)
			m.override = func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasSuffix(r.URL.Path, "/manifests/latest") {
					return false
				}
				tt.serve(w)
				return true
			}
			_, err := memClient(t, m).Pull(context.Background(), pullRepo, []string{"latest"}, images)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Pull: %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestPullContext(t *testing.T) {
	images := fixtures.Basic()
	b := buildImage(t, Schema2, pullRepo, "latest", images)
	m := newMemRegistry(t, pullRepo)
	m.put("latest", b)
	started := make(chan struct{}, 8)
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/blobs/") {
			return false
		}
		// The blob's own length, so that the client reads the body (and
		// blocks) rather than refusing the length at once.
		_, d, _ := strings.Cut(r.URL.Path, "/blobs/")
		m.mu.Lock()
		l := m.blobs[digest.Digest(d)]
		m.mu.Unlock()
		w.Header().Set("Content-Length", fmt.Sprint(l.Size()))
		w.Write([]byte("p"))
		w.(http.Flusher).Flush()
		started <- struct{}{}
		<-r.Context().Done()
		return true
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err := memClient(t, m).Pull(ctx, pullRepo, []string{"latest"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Pull cancelled during a blob: %v, want an error wrapping context.Canceled", err)
	}
}

func TestPullNoRefs(t *testing.T) {
	c, _ := New("http://127.0.0.1:1")
	if _, err := c.Pull(context.Background(), pullRepo, nil, nil); err == nil {
		t.Error("Pull with no refs succeeded")
	}
	if _, err := c.PullList(context.Background(), pullRepo, nil, ""); err == nil {
		t.Error("PullList with no refs succeeded")
	}
	if err := c.Delete(context.Background(), pullRepo, nil); err == nil {
		t.Error("Delete with no refs succeeded")
	}
}

// takeRequests returns the requests f recorded and forgets them.
func (f *fakeRegistry) takeRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// TestPullWithoutDigestHeader: Docker-Content-Digest is OPTIONAL: without
// it Pull and PullList compute the digest from the body (the schema1
// payload's), and still check a digest ref and the list pushed.
func TestPullWithoutDigestHeader(t *testing.T) {
	images := fixtures.Basic()
	ctx := context.Background()
	for _, s := range []Schema{Schema2, OCI, Schema1} {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			b := buildImage(t, s, pullRepo, "latest", images)
			m := newMemRegistry(t, pullRepo)
			m.put("latest", b)
			for ref, mm := range m.manifests {
				mm.digest = ""
				m.manifests[ref] = mm
			}
			res, err := memClient(t, m).Pull(ctx, pullRepo, []string{"latest", string(b.digest)}, images, WithSchema(s))
			if err != nil {
				t.Fatal(err)
			}
			for _, pm := range res.Manifests {
				if pm.Digest != b.digest || !pm.DigestComputed {
					t.Errorf("Pull %s: Digest %s, computed %v, want %s computed", pm.Ref, pm.Digest, pm.DigestComputed, b.digest)
				}
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		a := buildImage(t, Schema2, pullRepo, "", images)
		list := buildList(t, schema2.Docker, []builtImage{a}, []string{"linux/amd64"})
		m := newMemRegistry(t, pullRepo)
		m.put("", a)
		m.put("multi", list)
		for ref, mm := range m.manifests {
			mm.digest = ""
			m.manifests[ref] = mm
		}
		c := memClient(t, m)
		res, err := c.PullList(ctx, pullRepo, []string{"multi"}, list.digest)
		if err != nil {
			t.Fatal(err)
		}
		if pl := res.Lists[0]; pl.Digest != list.digest || !pl.DigestComputed || pl.Children[0].Digest != a.digest || !pl.Children[0].DigestComputed {
			t.Errorf("PullList = %s (computed %v), child %s, want %s computed, child %s", pl.Digest, pl.DigestComputed, pl.Children[0].Digest, list.digest, a.digest)
		}
		// The list pushed is still checked, against the body.
		_, err = c.PullList(ctx, pullRepo, []string{"multi"}, a.digest)
		want := fmt.Sprintf("GET /v2/%s/manifests/multi = 200, body digest %s, want %s (the list pushed) (get-manifest-list)", pullRepo, list.digest, a.digest)
		if err == nil || err.Error() != want {
			t.Errorf("PullList wanting another digest: %v\nwant %s", err, want)
		}
	})
}

// TestPullWithoutContentType: a manifest answered without Content-Type is
// taken for the kind its body has; one whose Content-Type names no
// manifest type is still refused.
func TestPullWithoutContentType(t *testing.T) {
	ctx := context.Background()
	images := fixtures.Basic()
	a := buildImage(t, OCI, pullRepo, "", images)
	list := buildList(t, schema2.OCI, []builtImage{a}, []string{"linux/amd64"})
	m := newMemRegistry(t, pullRepo)
	m.put("latest", a)
	m.put("multi", list)
	for ref, mm := range m.manifests {
		mm.mediaType = ""
		m.manifests[ref] = mm
	}
	c := memClient(t, m)
	res, err := c.Pull(ctx, pullRepo, []string{"latest"}, images, WithSchema(OCI))
	if err != nil {
		t.Fatal(err)
	}
	if pm := res.Manifests[0]; pm.Kind != schema2.KindOCIManifest || pm.ContentType != "" {
		t.Errorf("Pull: kind %v, Content-Type %q, want an OCI manifest without Content-Type", pm.Kind, pm.ContentType)
	}
	lr, err := c.PullList(ctx, pullRepo, []string{"multi"}, list.digest)
	if err != nil {
		t.Fatal(err)
	}
	if pl := lr.Lists[0]; pl.Kind != schema2.KindOCIIndex || len(pl.Children) != 1 {
		t.Errorf("PullList: kind %v, %d children, want an OCI index of 1", pl.Kind, len(pl.Children))
	}
	// Without Content-Type, an image is not a list.
	if _, err := c.PullList(ctx, pullRepo, []string{"latest"}, ""); err == nil {
		t.Error("PullList of an image without Content-Type: nil error")
	}
	for ref, mm := range m.manifests {
		mm.mediaType = "application/json"
		m.manifests[ref] = mm
	}
	_, err = c.Pull(ctx, pullRepo, []string{"latest"}, images, WithSchema(OCI))
	want := fmt.Sprintf(`GET /v2/%s/manifests/latest = 200, Content-Type "application/json", want a manifest media type (get-manifest)`, pullRepo)
	if err == nil || err.Error() != want {
		t.Errorf("Pull with Content-Type application/json: %v\nwant %s", err, want)
	}
}
