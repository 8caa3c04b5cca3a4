package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
)

// memRegistry is a small in-memory OCI registry for the tests of the
// workflow W: blobs (POST, PATCH, PUT ?digest=), manifests by tag and
// digest (?tag= parameters), tags/list, referrers and deletes, without
// auth. Its knobs break one answer each.
type memRegistry struct {
	// noLocation leaves the Location out of manifest PUT answers.
	noLocation bool
	// noSubject leaves OCI-Subject out of manifest PUT answers.
	noSubject bool
	// noTagHeader leaves OCI-Tag out of the answers to ?tag= PUTs.
	noTagHeader bool

	mu        sync.Mutex
	blobs     map[digest.Digest][]byte
	uploads   map[string][]byte
	nextID    int
	manifests map[string]map[digest.Digest]memManifest // repo -> digest
	tags      map[string]map[string]digest.Digest      // repo -> tag
	// puts are the manifest PUTs, "name ref" in order.
	puts []string
}

type memManifest struct {
	mediaType string
	body      []byte
	subject   digest.Digest
}

func newMemRegistry() *memRegistry {
	return &memRegistry{
		blobs:     map[digest.Digest][]byte{},
		uploads:   map[string][]byte{},
		manifests: map[string]map[digest.Digest]memManifest{},
		tags:      map[string]map[string]digest.Digest{},
	}
}

var memRoute = regexp.MustCompile(`^/v2/(.+)/(blobs/uploads/[^/]*|blobs/[^/]+|manifests/[^/]*|tags/list|referrers/[^/]+)$`)

func memError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"%s"}]}`, code, strings.ToLower(code))
}

func (m *memRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.URL.Path == "/v2/" {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		return
	}
	sm := memRoute.FindStringSubmatch(r.URL.Path)
	if sm == nil {
		memError(w, http.StatusNotFound, failures.CodeNameUnknown)
		return
	}
	name, rest := sm[1], sm[2]
	body, _ := io.ReadAll(r.Body)
	switch {
	case strings.HasPrefix(rest, "blobs/uploads/"):
		m.serveUpload(w, r, name, strings.TrimPrefix(rest, "blobs/uploads/"), body)
	case strings.HasPrefix(rest, "blobs/"):
		d := digest.Digest(strings.TrimPrefix(rest, "blobs/"))
		b, ok := m.blobs[d]
		if !ok {
			memError(w, http.StatusNotFound, failures.CodeBlobUnknown)
			return
		}
		switch r.Method {
		case http.MethodDelete:
			delete(m.blobs, d)
			w.WriteHeader(http.StatusAccepted)
		case http.MethodHead, http.MethodGet:
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Header().Set("Docker-Content-Digest", string(d))
			w.Header().Set("Content-Type", "application/octet-stream")
			if r.Method == http.MethodGet {
				w.Write(b)
			}
		}
	case strings.HasPrefix(rest, "manifests/"):
		m.serveManifest(w, r, name, strings.TrimPrefix(rest, "manifests/"), body)
	case rest == "tags/list":
		var tags []string
		for t := range m.tags[name] {
			tags = append(tags, t)
		}
		slices.Sort(tags)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": name, "tags": tags})
	default:
		m.serveReferrers(w, r, name, digest.Digest(strings.TrimPrefix(rest, "referrers/")))
	}
}

func (m *memRegistry) serveUpload(w http.ResponseWriter, r *http.Request, name, id string, body []byte) {
	if r.Method == http.MethodPost {
		m.nextID++
		id = strconv.Itoa(m.nextID)
		m.uploads[id] = nil
		w.Header().Set("Location", "/v2/"+name+"/blobs/uploads/"+id)
		w.Header().Set("Range", "0-0")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	data, ok := m.uploads[id]
	if !ok {
		memError(w, http.StatusNotFound, failures.CodeBlobUploadUnknown)
		return
	}
	data = append(data, body...)
	switch r.Method {
	case http.MethodPatch:
		m.uploads[id] = data
		w.Header().Set("Location", "/v2/"+name+"/blobs/uploads/"+id)
		w.Header().Set("Range", fmt.Sprintf("0-%d", len(data)-1))
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPut:
		d := digest.Digest(r.URL.Query().Get("digest"))
		if d.Validate() != nil || d.Algorithm().FromBytes(data) != d {
			memError(w, http.StatusBadRequest, failures.CodeDigestInvalid)
			return
		}
		delete(m.uploads, id)
		m.blobs[d] = data
		w.Header().Set("Location", "/v2/"+name+"/blobs/"+string(d))
		w.Header().Set("Docker-Content-Digest", string(d))
		w.WriteHeader(http.StatusCreated)
	default:
		memError(w, http.StatusMethodNotAllowed, failures.CodeUnsupported)
	}
}

func (m *memRegistry) serveManifest(w http.ResponseWriter, r *http.Request, name, ref string, body []byte) {
	if m.manifests[name] == nil {
		m.manifests[name] = map[digest.Digest]memManifest{}
		m.tags[name] = map[string]digest.Digest{}
	}
	byRef := digest.Digest(ref)
	isDigest := byRef.Validate() == nil
	switch r.Method {
	case http.MethodPut:
		m.puts = append(m.puts, name+" "+ref)
		alg := digest.Canonical
		if isDigest {
			alg = byRef.Algorithm()
		}
		d := alg.FromBytes(body)
		if isDigest && d != byRef {
			memError(w, http.StatusBadRequest, failures.CodeDigestInvalid)
			return
		}
		if ref == "" {
			memError(w, http.StatusNotFound, failures.CodeManifestUnknown)
			return
		}
		var doc struct {
			Subject *struct {
				Digest digest.Digest `json:"digest"`
			} `json:"subject"`
		}
		json.Unmarshal(body, &doc)
		mm := memManifest{mediaType: r.Header.Get("Content-Type"), body: body}
		if doc.Subject != nil {
			mm.subject = doc.Subject.Digest
			if !m.noSubject {
				w.Header().Set("OCI-Subject", string(mm.subject))
			}
		}
		m.manifests[name][d] = mm
		if !isDigest {
			m.tags[name][ref] = d
		}
		for _, t := range r.URL.Query()["tag"] {
			m.tags[name][t] = d
			if !m.noTagHeader {
				w.Header().Add("OCI-Tag", t)
			}
		}
		if !m.noLocation {
			w.Header().Set("Location", "/v2/"+name+"/manifests/"+string(d))
		}
		w.Header().Set("Docker-Content-Digest", string(d))
		w.WriteHeader(http.StatusCreated)
		return
	}
	d := byRef
	if !isDigest {
		d = m.tags[name][ref]
	}
	mm, ok := m.manifests[name][d]
	if !ok {
		memError(w, http.StatusNotFound, failures.CodeManifestUnknown)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		if isDigest {
			delete(m.manifests[name], d)
		} else {
			delete(m.tags[name], ref)
		}
		w.WriteHeader(http.StatusAccepted)
	case http.MethodHead, http.MethodGet:
		w.Header().Set("Content-Type", mm.mediaType)
		w.Header().Set("Content-Length", strconv.Itoa(len(mm.body)))
		w.Header().Set("Docker-Content-Digest", string(d))
		if r.Method == http.MethodGet {
			w.Write(mm.body)
		}
	}
}

func (m *memRegistry) serveReferrers(w http.ResponseWriter, r *http.Request, name string, subject digest.Digest) {
	filter := r.URL.Query().Get("artifactType")
	list := []map[string]any{}
	for d, mm := range m.manifests[name] {
		if mm.subject != subject {
			continue
		}
		var doc struct {
			ArtifactType string            `json:"artifactType"`
			Annotations  map[string]string `json:"annotations"`
			Config       *struct {
				MediaType string `json:"mediaType"`
			} `json:"config"`
		}
		json.Unmarshal(mm.body, &doc)
		at := doc.ArtifactType
		if at == "" && doc.Config != nil {
			at = doc.Config.MediaType
		}
		if filter != "" && at != filter {
			continue
		}
		list = append(list, map[string]any{"mediaType": mm.mediaType, "digest": d, "size": len(mm.body),
			"artifactType": at, "annotations": doc.Annotations})
	}
	if filter != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
	json.NewEncoder(w).Encode(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list})
}

// checkWorkflow runs the scenarios matching pattern against reg and
// returns their outcomes and details by name.
func checkWorkflow(t *testing.T, reg *memRegistry, pattern string) map[string][2]string {
	t.Helper()
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	target := &Target{
		Name: "mem", URL: srv.URL, Table: failures.Spec,
		Users:        map[Role]User{Owner: {Name: "alice", Password: "pw", Namespace: "alice"}},
		Capabilities: []Capability{Referrers, TagParam, SHA512, Delete, TagDelete, BlobDelete},
	}
	rep := Check(context.Background(), target, Match(regexp.MustCompile(pattern)))
	got := map[string][2]string{}
	for _, r := range rep.Results {
		got[r.Name()] = [2]string{string(r.Outcome), r.Detail}
	}
	return got
}

func outcomes(res map[string][2]string) map[string]string {
	out := map[string]string{}
	for n, r := range res {
		out[n] = r[0]
	}
	return out
}

const workflowScenarios = `^(oci-image|oci-artifact|list-nested-index|ref-artifacts|ref-missing-subject|ref-index-subject|neg-tag-param|sha512-tag-param|valid-missing-blob-ref/oci-sparse)$`

// TestWorkflowPasses runs the scenarios of W against a registry that
// answers as the spec says: each passes, and every manifest is put after
// the manifests it references, by digest and then (when tagged) by tag.
func TestWorkflowPasses(t *testing.T) {
	reg := newMemRegistry()
	got := checkWorkflow(t, reg, workflowScenarios)
	want := map[string]string{
		"oci-image": "pass", "oci-artifact": "pass", "list-nested-index": "pass", "ref-artifacts": "pass",
		"ref-missing-subject": "pass", "ref-index-subject": "pass", "neg-tag-param": "pass", "sha512-tag-param": "pass",
		"valid-missing-blob-ref/oci-sparse": "pass",
	}
	if diff := cmp.Diff(want, outcomes(got)); diff != "" {
		t.Errorf("Check outcomes mismatch (-want +got):\n%s\ndetails: %q", diff, got)
	}
	// The nested index: each PUT names a manifest whose references were
	// put before it.
	reg.mu.Lock()
	defer reg.mu.Unlock()
	found := false
	for name, ms := range reg.manifests {
		if !strings.Contains(name, "list-nested-index") {
			continue
		}
		found = true
		seen := map[digest.Digest]bool{}
		var byDigest, byTag int
		for _, p := range reg.puts {
			repo, ref, _ := strings.Cut(p, " ")
			if repo != name {
				continue
			}
			d := digest.Digest(ref)
			if d.Validate() != nil {
				byTag++
				if d = reg.tags[name][ref]; d == "" {
					continue // deleted since
				}
				if !seen[d] {
					t.Errorf("list-nested-index: PUT by tag %s before the PUT by digest of %s", ref, d)
				}
				continue
			}
			byDigest++
			if mm, ok := ms[d]; ok {
				var doc struct {
					Manifests []struct {
						Digest digest.Digest `json:"digest"`
					} `json:"manifests"`
				}
				json.Unmarshal(mm.body, &doc)
				for _, ch := range doc.Manifests {
					if !seen[ch.Digest] {
						t.Errorf("list-nested-index: PUT of %s before its child %s", d, ch.Digest)
					}
				}
			}
			seen[d] = true
		}
		if byDigest == 0 || byTag == 0 {
			t.Errorf("list-nested-index: %d PUTs by digest, %d by tag, want some of each", byDigest, byTag)
		}
	}
	if !found {
		t.Errorf("list-nested-index: no repository of its name among %d, want the one it pushed to", len(reg.manifests))
	}
}

// TestWorkflowOneBugOneFailure breaks one answer of the manifest PUTs
// at a time: only the scenario that owns the requirement fails, on it.
func TestWorkflowOneBugOneFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reg    *memRegistry
		want   map[string]string
		detail map[string]string // scenario -> text its detail must hold
	}{
		{
			name: "no Location", reg: &memRegistry{noLocation: true},
			want:   map[string]string{"oci-image": "FAIL", "oci-artifact": "pass", "list-nested-index": "pass", "ref-artifacts": "pass"},
			detail: map[string]string{"oci-image": "201 without Location"},
		},
		{
			name: "no OCI-Subject", reg: &memRegistry{noSubject: true},
			want:   map[string]string{"oci-image": "pass", "oci-artifact": "pass", "list-nested-index": "pass", "ref-artifacts": "FAIL"},
			detail: map[string]string{"ref-artifacts": `OCI-Subject = ""`},
		},
		{
			name: "no OCI-Tag", reg: &memRegistry{noTagHeader: true},
			want:   map[string]string{"neg-tag-param": "skip"},
			detail: map[string]string{"neg-tag-param": "does not apply tag parameters"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := newMemRegistry()
			reg.noLocation, reg.noSubject, reg.noTagHeader = tc.reg.noLocation, tc.reg.noSubject, tc.reg.noTagHeader
			var names []string
			for n := range tc.want {
				names = append(names, regexp.QuoteMeta(n))
			}
			got := checkWorkflow(t, reg, "^("+strings.Join(names, "|")+")$")
			if diff := cmp.Diff(tc.want, outcomes(got)); diff != "" {
				t.Errorf("Check outcomes mismatch (-want +got):\n%s\ndetails: %q", diff, got)
			}
			for n, s := range tc.detail {
				if !strings.Contains(got[n][1], s) {
					t.Errorf("%s: Detail = %q, want it to hold %q", n, got[n][1], s)
				}
			}
		})
	}
}

// TestSetContents checks the Contents of a set: an untagged manifest put
// by digest only, a tagged one at its digest then its tag, the blobs left
// out, and with tagParams the tagged ones returned apart.
func TestSetContents(t *testing.T) {
	sb, err := buildSet("alice/r", fixtures.OCIIndex(1), "")
	if err != nil {
		t.Fatal(err)
	}
	var skip []digest.Digest
	for _, sm := range sb.order {
		skip = append(skip, sm.built.Layers...)
	}
	content, tagged := sb.contents(skip, false)
	if len(content) != len(sb.order) || len(tagged) != 0 {
		t.Fatalf("contents(skip, false) = %d contents, %d tagged, want %d, 0", len(content), len(tagged), len(sb.order))
	}
	var tagParamsWant []*setManifest
	for i, sm := range sb.order {
		c := content[i]
		var wantTags []string
		if sm.tag != "" {
			wantTags = []string{string(sm.built.Digest), sm.tag}
			tagParamsWant = append(tagParamsWant, sm)
		}
		if !slices.Equal(c.Tags, wantTags) || c.Digest != sm.built.Digest || !bytes.Equal(c.Bytes, sm.built.Bytes) {
			t.Errorf("contents(skip, false)[%d] = %s at %q, want %s at %q", i, c.Digest, c.Tags, sm.built.Digest, wantTags)
		}
		for _, b := range c.Blobs {
			if slices.Contains(skip, b.Digest()) {
				t.Errorf("contents(skip, false)[%d].Blobs holds %s, want it left out", i, b.Digest())
			}
		}
	}
	if len(tagParamsWant) == 0 {
		t.Fatal("fixtures.OCIIndex has no tagged manifest")
	}
	content, tagged = sb.contents(nil, true)
	if len(content)+len(tagged) != len(sb.order) || !slices.Equal(tagged, tagParamsWant) {
		t.Errorf("contents(nil, true) = %d contents, tagged %v, want %d contents, tagged %v", len(content), tagged, len(sb.order)-len(tagParamsWant), tagParamsWant)
	}
	for _, c := range content {
		if len(c.Tags) != 0 {
			t.Errorf("contents(nil, true): %s at %q, want no tags", c.Digest, c.Tags)
		}
	}
}
