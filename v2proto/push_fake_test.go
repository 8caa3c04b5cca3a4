package v2proto

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/schema1"
)

// pushFake is an in-memory registry for the push flows' unit tests: blob
// uploads in every style, mounts, cancel and manifest PUTs, with knobs for
// the wire details no real registry here shows (relative, absolute or
// rotating Locations, OCI-Chunk-Min-Length, Quay's overlap skipping,
// single-POST uploads) and a hook to change any answer.
type pushFake struct {
	srv *httptest.Server

	// location is how upload Locations are written: "relative" (a path),
	// "absolute" (with scheme and host) or "rotating" (a new _state on
	// every answer; a request with an older one gets 404
	// BLOB_UPLOAD_INVALID, as 2.8 answers a stale _state).
	location string
	// minChunk, when > 0, is announced as OCI-Chunk-Min-Length.
	minChunk int
	// postDigest makes POST ?digest= with a body store the blob (201).
	postDigest bool
	// overlap makes chunks that overlap the bytes received skip the
	// overlap (Quay) instead of answering 416.
	overlap bool
	// hook, when set, may change an answer: it runs before the handler
	// with the request and the header, and may write the answer itself
	// (returning true).
	hook func(w http.ResponseWriter, r *http.Request) bool
	// mangle, when set, edits the headers of the handler's answer.
	mangle func(r *http.Request, h http.Header, status int) int
	// checkRefs makes a manifest PUT answer 400 MANIFEST_BLOB_UNKNOWN
	// when the manifest names a blob (config, layers) or a manifest
	// (manifests[], subject) the repository does not have yet.
	checkRefs bool

	mu        sync.Mutex
	blobs     map[string][]byte // "name@digest" -> content
	manifests map[string]pushedFake
	sessions  map[string]*fakeSession
	nextID    int
	log       []fakeReq
}

type pushedFake struct {
	contentType string
	body        []byte
}

type fakeSession struct {
	name  string
	data  []byte
	state int
}

// fakeReq is what the fake recorded of one request.
type fakeReq struct {
	Method, Path, Query string
	ContentLength       int64
	TransferEncoding    []string
	ContentRange        string
	ContentType         string
	BodyLen             int
}

func newPushFake(t testing.TB) *pushFake {
	f := &pushFake{location: "relative", blobs: map[string][]byte{}, manifests: map[string]pushedFake{}, sessions: map[string]*fakeSession{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *pushFake) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := New(f.srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *pushFake) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.log...)
}

// put stores a blob in repository name.
func (f *pushFake) put(name string, b []byte) digest.Digest {
	d := digest.FromBytes(b)
	f.mu.Lock()
	f.blobs[name+"@"+string(d)] = b
	f.mu.Unlock()
	return d
}

func fakeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"fake"}]}`, code)
}

// headerWriter lets mangle edit the headers before they are written.
type headerWriter struct {
	http.ResponseWriter
	r      *http.Request
	mangle func(r *http.Request, h http.Header, status int) int
	wrote  bool
}

func (w *headerWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if w.mangle != nil {
		status = w.mangle(w.r, w.Header(), status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *headerWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (f *pushFake) serve(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	f.mu.Lock()
	f.log = append(f.log, fakeReq{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentLength: r.ContentLength,
		TransferEncoding: r.TransferEncoding, ContentRange: r.Header.Get("Content-Range"), ContentType: r.Header.Get("Content-Type"), BodyLen: len(body)})
	hook, mangle := f.hook, f.mangle
	f.mu.Unlock()
	rw.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if hook != nil && hook(rw, r) {
		return
	}
	w := &headerWriter{ResponseWriter: rw, r: r, mangle: mangle}
	defer func() {
		if !w.wrote {
			w.WriteHeader(http.StatusOK)
		}
	}()
	p := r.URL.Path
	if p == "/v2/" {
		return
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		fakeErr(w, 404, "NOT_FOUND")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.Contains(rest, "/blobs/uploads/"):
		i := strings.LastIndex(rest, "/blobs/uploads/")
		f.serveUpload(w, r, rest[:i], rest[i+len("/blobs/uploads/"):], body)
	case strings.Contains(rest, "/blobs/"):
		i := strings.LastIndex(rest, "/blobs/")
		name, d := rest[:i], rest[i+len("/blobs/"):]
		b, ok := f.blobs[name+"@"+d]
		if !ok {
			fakeErr(w, 404, failures.CodeBlobUnknown)
			return
		}
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(200)
		if r.Method == http.MethodGet {
			w.Write(b)
		}
	case strings.Contains(rest, "/manifests/"):
		i := strings.LastIndex(rest, "/manifests/")
		name, ref := rest[:i], rest[i+len("/manifests/"):]
		if r.Method != http.MethodPut {
			fakeErr(w, 405, failures.CodeUnsupported)
			return
		}
		d := digest.FromBytes(body)
		if m, err := schema1.Parse(body); err == nil && m.Signed() {
			d = m.Digest()
		}
		if strings.Contains(ref, ":") && ref != string(d) {
			fakeErr(w, 400, failures.CodeDigestInvalid)
			return
		}
		if f.checkRefs && !f.refsPresent(name, body) {
			fakeErr(w, 400, failures.CodeManifestBlobUnknown)
			return
		}
		f.manifests[name+"@"+string(d)] = pushedFake{r.Header.Get("Content-Type"), body}
		if !strings.Contains(ref, ":") {
			f.manifests[name+":"+ref] = pushedFake{r.Header.Get("Content-Type"), body}
		}
		for _, t := range r.URL.Query()["tag"] {
			w.Header().Add("OCI-Tag", t)
		}
		w.Header().Set("Docker-Content-Digest", string(d))
		w.Header().Set("Location", "/v2/"+name+"/manifests/"+string(d))
		w.WriteHeader(201)
	default:
		fakeErr(w, 404, failures.CodeNameUnknown)
	}
}

// sessionURL writes the Location of session id.
func (f *pushFake) sessionURL(name, id string, s *fakeSession) string {
	u := fmt.Sprintf("/v2/%s/blobs/uploads/%s?_state=s%d", name, id, s.state)
	if f.location == "absolute" || f.location == "rotating" {
		u = f.srv.URL + u
	}
	return u
}

func fakeRange(n int) string {
	if n == 0 {
		return "0-0"
	}
	return fmt.Sprintf("0-%d", n-1)
}

// serveUpload serves /v2/<name>/blobs/uploads/<id>; f.mu is held.
func (f *pushFake) serveUpload(w http.ResponseWriter, r *http.Request, name, id string, body []byte) {
	q := r.URL.Query()
	if id == "" {
		if r.Method != http.MethodPost {
			fakeErr(w, 405, failures.CodeUnsupported)
			return
		}
		if m := q.Get("mount"); m != "" {
			if b, ok := f.blobs[q.Get("from")+"@"+m]; ok && q.Get("from") != "" {
				f.blobs[name+"@"+m] = b
				w.Header().Set("Docker-Content-Digest", m)
				w.Header().Set("Location", "/v2/"+name+"/blobs/"+m)
				w.WriteHeader(201)
				return
			}
		}
		if d := q.Get("digest"); d != "" && f.postDigest {
			if string(digest.FromBytes(body)) != d {
				fakeErr(w, 400, failures.CodeDigestInvalid)
				return
			}
			f.blobs[name+"@"+d] = body
			w.Header().Set("Docker-Content-Digest", d)
			w.Header().Set("Location", "/v2/"+name+"/blobs/"+d)
			w.WriteHeader(201)
			return
		}
		f.nextID++
		id = fmt.Sprintf("u%d", f.nextID)
		s := &fakeSession{name: name}
		f.sessions[id] = s
		w.Header().Set("Location", f.sessionURL(name, id, s))
		w.Header().Set("Docker-Upload-UUID", id)
		w.Header().Set("Range", "0-0")
		if f.minChunk > 0 {
			w.Header().Set("OCI-Chunk-Min-Length", strconv.Itoa(f.minChunk))
		}
		w.WriteHeader(202)
		return
	}
	s, ok := f.sessions[id]
	if !ok || s.name != name {
		fakeErr(w, 404, failures.CodeBlobUploadUnknown)
		return
	}
	if f.location == "rotating" && q.Get("_state") != fmt.Sprintf("s%d", s.state) {
		fakeErr(w, 404, failures.CodeBlobUploadInvalid)
		return
	}
	// appendChunk adds body at the Content-Range's start; it answers 416
	// itself when it refuses.
	appendChunk := func() bool {
		start := len(s.data)
		if cr := r.Header.Get("Content-Range"); cr != "" {
			var a, b int
			if _, err := fmt.Sscanf(cr, "%d-%d", &a, &b); err != nil || b-a+1 != len(body) {
				fakeErr(w, 416, failures.CodeRangeInvalid)
				return false
			}
			start = a
		}
		switch {
		case start > len(s.data), start < len(s.data) && !f.overlap:
			fakeErr(w, 416, failures.CodeRangeInvalid)
			return false
		case start < len(s.data):
			skip := len(s.data) - start
			if skip > len(body) {
				skip = len(body)
			}
			body = body[skip:]
		}
		s.data = append(s.data, body...)
		return true
	}
	if f.location == "rotating" && r.Method != http.MethodDelete {
		s.state++
	}
	w.Header().Set("Docker-Upload-UUID", id)
	switch r.Method {
	case http.MethodPatch:
		if !appendChunk() {
			return
		}
		w.Header().Set("Location", f.sessionURL(name, id, s))
		w.Header().Set("Range", fakeRange(len(s.data)))
		w.WriteHeader(202)
	case http.MethodGet:
		w.Header().Set("Location", f.sessionURL(name, id, s))
		w.Header().Set("Range", fakeRange(len(s.data)))
		w.WriteHeader(204)
	case http.MethodDelete:
		delete(f.sessions, id)
		w.WriteHeader(204)
	case http.MethodPut:
		if len(body) > 0 && !appendChunk() {
			return
		}
		d := q.Get("digest")
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(s.data)); got != d {
			fakeErr(w, 400, failures.CodeDigestInvalid)
			return
		}
		delete(f.sessions, id)
		f.blobs[name+"@"+d] = s.data
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Location", "/v2/"+name+"/blobs/"+d)
		w.WriteHeader(201)
	default:
		fakeErr(w, 405, failures.CodeUnsupported)
	}
}

// refsPresent reports whether every blob and manifest the JSON manifest
// body names is in repository name; f.mu is held.
func (f *pushFake) refsPresent(name string, body []byte) bool {
	type desc struct {
		Digest string `json:"digest"`
	}
	var m struct {
		Config    *desc  `json:"config"`
		Layers    []desc `json:"layers"`
		Manifests []desc `json:"manifests"`
		Subject   *desc  `json:"subject"`
	}
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	blobs := m.Layers
	if m.Config != nil {
		blobs = append(blobs, *m.Config)
	}
	for _, b := range blobs {
		if _, ok := f.blobs[name+"@"+b.Digest]; !ok {
			return false
		}
	}
	mans := m.Manifests
	if m.Subject != nil {
		mans = append(mans, *m.Subject)
	}
	for _, x := range mans {
		if _, ok := f.manifests[name+"@"+x.Digest]; !ok {
			return false
		}
	}
	return true
}
