package v2proto

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/internal/imagetest"
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
	return fromTestImage(imagetest.Build(t, imagetest.Schema(s), name, tag, images, imagetest.Options{KeySeed: "pull tests"}))
}

// fromTestImage returns im as a builtImage.
func fromTestImage(im imagetest.Image) builtImage {
	b := builtImage{manifest: im.Manifest, mediaType: im.MediaType, digest: im.Digest, blobs: map[digest.Digest]*fixtures.Layer{}}
	for _, l := range im.Blobs {
		b.blobs[l.Digest()] = l
	}
	return b
}

// testImage returns b as an imagetest.Image (without its blobs).
func (b builtImage) testImage() imagetest.Image {
	return imagetest.Image{Manifest: b.manifest, MediaType: b.mediaType, Digest: b.digest}
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
		writeErrors(w, http.StatusNotFound, failures.CodeNameUnknown, "repository name not known to registry")
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
			writeErrors(w, http.StatusNotFound, failures.CodeManifestUnknown, "manifest unknown")
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
			writeErrors(w, http.StatusNotFound, failures.CodeBlobUnknown, "blob unknown to registry")
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
		writeErrors(w, http.StatusNotFound, failures.CodeUnsupported, "not here")
	}
}
