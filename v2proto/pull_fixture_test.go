package v2proto

import (
	"bytes"
	"crypto/elliptic"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/schema1"
	"github.com/registrytest/registrytest/schema2"
)

// builtImage is a manifest built from a Quay image chain for the pull
// tests, with the blobs a registry must hold for it.
type builtImage struct {
	manifest  []byte
	mediaType string
	digest    digest.Digest
	blobs     map[digest.Digest]*fixtures.Layer
}

// buildImage builds images as a manifest of schema s (tag is schema1's
// tag; name its name), without pushing anything.
func buildImage(t testing.TB, s Schema, name, tag string, images []fixtures.Image) builtImage {
	t.Helper()
	b := builtImage{blobs: map[digest.Digest]*fixtures.Layer{}}
	switch s {
	case Schema1:
		key, err := schema1.ECKeyFromSeed(elliptic.P256(), []byte("pull tests"))
		if err != nil {
			t.Fatal(err)
		}
		sb := schema1.Builder{Name: name, Tag: tag, Architecture: "amd64", Key: key}
		for _, im := range images {
			parent := "null"
			if im.ParentID != "" {
				parent = fmt.Sprintf("%q", im.ParentID)
			}
			sb.Layers = append(sb.Layers, schema1.Layer{BlobSum: im.Layer.Digest(),
				V1Compatibility: fmt.Sprintf(`{"id":%q,"parent":%s}`, im.ID, parent)})
			b.blobs[im.Layer.Digest()] = im.Layer
		}
		m, err := sb.Build()
		if err != nil {
			t.Fatal(err)
		}
		b.manifest, b.mediaType, b.digest = m.Raw, m.MediaType(), m.Digest()
		return b
	}
	f := schema2.Docker
	cfg := schema2.Config{OS: "linux", RootFS: schema2.RootFS{Type: "layers", DiffIDs: []digest.Digest{}}, History: []schema2.History{}}
	if s == OCI {
		f, cfg.Architecture = schema2.OCI, "amd64"
	}
	var layers []v1.Descriptor
	for _, im := range images {
		cfg.History = append(cfg.History, schema2.History{Created: fixtures.QuayCreated,
			CreatedBy: "/bin/sh -c #(nop) " + im.ID, EmptyLayer: im.Empty})
		if im.URLs() == nil {
			b.blobs[im.Layer.Digest()] = im.Layer
		}
		if !im.Empty {
			layers = append(layers, f.Layer(im.Layer.Digest(), im.Layer.Size(), im.URLs()...))
		}
	}
	cb, err := cfg.Build(f, schema2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.blobs[cb.Digest()] = fixtures.NewBlob(cb.MediaType(), cb.Bytes())
	mb, err := f.NewManifest(cb.Descriptor(), layers...).Build(schema2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.manifest, b.mediaType, b.digest = mb.Bytes(), mb.MediaType(), mb.Digest()
	return b
}

// memRegistry is a small in-memory registry for the pull unit tests: it
// serves manifests by tag and digest and blobs (with ranges), records the
// requests, and lets a test override any answer. It has no auth.
type memRegistry struct {
	*fakeRegistry
	name string

	mu        sync.Mutex
	manifests map[string]memManifest // ref -> manifest
	blobs     map[digest.Digest]*fixtures.Layer
	reqs      []*http.Request // clones, bodies not kept
	// override, when it returns true, has answered the request itself.
	override func(w http.ResponseWriter, r *http.Request) bool
}

type memManifest struct {
	body      []byte
	mediaType string
	digest    digest.Digest // sent as Docker-Content-Digest
}

func newMemRegistry(t testing.TB, name string) *memRegistry {
	m := &memRegistry{fakeRegistry: newFakeRegistry(t, "none"), name: name,
		manifests: map[string]memManifest{}, blobs: map[digest.Digest]*fixtures.Layer{}}
	m.srv.Config.Handler = http.HandlerFunc(m.serveHTTP)
	return m
}

// put stores b under tag (and its digest) with its blobs.
func (m *memRegistry) put(tag string, b builtImage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mm := memManifest{body: b.manifest, mediaType: b.mediaType, digest: b.digest}
	if tag != "" {
		m.manifests[tag] = mm
	}
	m.manifests[string(b.digest)] = mm
	for d, l := range b.blobs {
		m.blobs[d] = l
	}
}

func (m *memRegistry) requests() []*http.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*http.Request{}, m.reqs...)
}

func (m *memRegistry) serveHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.reqs = append(m.reqs, r.Clone(r.Context()))
	override := m.override
	m.mu.Unlock()
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if override != nil && override(w, r) {
		return
	}
	if r.URL.Path == "/v2/" {
		fmt.Fprint(w, "{}")
		return
	}
	prefix := "/v2/" + m.name + "/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		writeErrors(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	kind, ref, _ := strings.Cut(rest, "/")
	switch kind {
	case "manifests":
		m.mu.Lock()
		mm, ok := m.manifests[ref]
		if ok && r.Method == http.MethodDelete {
			for k, v := range m.manifests {
				if v.digest == mm.digest {
					delete(m.manifests, k)
				}
			}
		}
		m.mu.Unlock()
		if !ok {
			writeErrors(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", mm.mediaType)
		w.Header().Set("Docker-Content-Digest", string(mm.digest))
		w.Header().Set("Content-Length", fmt.Sprint(len(mm.body)))
		if r.Method == http.MethodGet {
			w.Write(mm.body)
		}
	case "blobs":
		m.mu.Lock()
		l, ok := m.blobs[digest.Digest(ref)]
		if ok && r.Method == http.MethodDelete {
			delete(m.blobs, digest.Digest(ref))
		}
		m.mu.Unlock()
		if !ok {
			writeErrors(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
			return
		}
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Docker-Content-Digest", ref)
		w.Header().Set("Content-Type", "application/octet-stream")
		if sec, ok := l.Section(); ok {
			http.ServeContent(w, r, "", time.Time{}, sec)
			return
		}
		rc, _ := l.Open()
		defer rc.Close()
		w.Header().Set("Content-Length", fmt.Sprint(l.Size()))
		io.Copy(w, rc)
	default:
		writeErrors(w, http.StatusNotFound, "UNSUPPORTED", "not here")
	}
}

// layerBytes returns the bytes of l.
func layerBytes(t testing.TB, l *fixtures.Layer) []byte {
	t.Helper()
	rc, err := l.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
