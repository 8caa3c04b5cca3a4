package v2proto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/internal/imagetest"
)

func randomBlob(seed uint64, size int64) *fixtures.Layer {
	return fixtures.RandomBlob(seed, size, "application/octet-stream")
}

// uploadReqs returns the requests to upload sessions and blobs, as
// "METHOD path?query" with the host-relative path.
func uploadReqs(reqs []fakeReq) []string {
	var out []string
	for _, r := range reqs {
		if r.Path == "/v2/" {
			continue
		}
		s := r.Method + " " + r.Path
		if r.Query != "" {
			s += "?" + r.Query
		}
		out = append(out, s)
	}
	return out
}

// TestPushBlobLocations: every request of an upload goes to the Location
// of the latest answer, whether the registry writes it relative, absolute,
// or new on every answer (a stale one is refused).
func TestPushBlobLocations(t *testing.T) {
	ctx := context.Background()
	styles := []struct {
		name string
		opts []CallOption
	}{
		{"patch", nil},
		{"post-put", []CallOption{WithUpload(Upload{Style: UploadPostPut})}},
		{"post-digest", []CallOption{WithUpload(Upload{Style: UploadPostDigest})}},
		{"chunked", []CallOption{WithUpload(Upload{ChunkSize: 1000})}},
		{"chunked-put", []CallOption{WithUpload(Upload{ChunkSize: 1000, LastChunkInPut: true})}},
		{"cancel", []CallOption{WithUpload(Upload{ChunkSize: 1000, Cancel: true})}},
	}
	for _, mode := range []string{"relative", "absolute", "rotating"} {
		for _, st := range styles {
			t.Run(mode+"/"+st.name, func(t *testing.T) {
				f := newPushFake(t)
				f.location = mode
				blob := randomBlob(1, 2500)
				res, err := f.client(t).PushBlob(ctx, "ns/deep/repo", blob, st.opts...)
				if err != nil {
					t.Fatal(err)
				}
				if st.name == "cancel" {
					if !res.Canceled || res.Finished {
						t.Errorf("result %+v, want canceled", res)
					}
				} else if !res.Finished || res.Location == "" || !strings.HasPrefix(res.Location, f.srv.URL+"/v2/ns/deep/repo/blobs/") {
					t.Errorf("result %+v, want finished with the blob's absolute Location", res)
				}
				// The session's requests carry the state of the answer
				// before them: s0, s1, s2, ... when it rotates.
				state := 0
				for _, r := range f.requests() {
					if !strings.Contains(r.Path, "/blobs/uploads/u") {
						continue
					}
					if mode == "rotating" {
						if want := fmt.Sprintf("_state=s%d", state); !strings.HasPrefix(r.Query, want) {
							t.Errorf("%s %s?%s, want %s", r.Method, r.Path, r.Query, want)
						}
						if r.Method != http.MethodDelete {
							state++
						}
					}
					if r.ContentLength != int64(r.BodyLen) || len(r.TransferEncoding) != 0 {
						t.Errorf("%s %s: Content-Length %d, Transfer-Encoding %v, body %d bytes, want the length set and no chunked encoding",
							r.Method, r.Path, r.ContentLength, r.TransferEncoding, r.BodyLen)
					}
				}
			})
		}
	}
}

// TestPushBlobSteps checks the exchanges of each style, in order.
func TestPushBlobSteps(t *testing.T) {
	ctx := context.Background()
	blob := randomBlob(2, 2500)
	d := string(blob.Digest())
	up := "/v2/r/blobs/uploads/"
	tests := []struct {
		name string
		opts []CallOption
		fake func(f *pushFake)
		want []string
	}{
		{"patch", nil, nil, []string{
			"HEAD /v2/r/blobs/" + d, "POST " + up, "PATCH " + up + "u1?_state=s0",
			"PUT " + up + "u1?_state=s0&digest=" + strings.Replace(d, ":", "%3A", 1),
			"HEAD /v2/r/blobs/" + d, "GET /v2/r/blobs/" + d}},
		{"skip-checks", []CallOption{WithBlobChecks(BlobChecks{Head: HeadNone, SkipGet: true})}, nil, []string{
			"POST " + up, "PATCH " + up + "u1?_state=s0",
			"PUT " + up + "u1?_state=s0&digest=" + strings.Replace(d, ":", "%3A", 1),
			"HEAD /v2/r/blobs/" + d}},
		{"post-digest-201", []CallOption{WithUpload(Upload{Style: UploadPostDigest}), WithBlobChecks(BlobChecks{SkipGet: true})}, func(f *pushFake) { f.postDigest = true }, []string{
			"HEAD /v2/r/blobs/" + d, "POST " + up + "?digest=" + strings.Replace(d, ":", "%3A", 1), "HEAD /v2/r/blobs/" + d}},
		{"post-digest-202", []CallOption{WithUpload(Upload{Style: UploadPostDigest}), WithBlobChecks(BlobChecks{SkipGet: true})}, nil, []string{
			"HEAD /v2/r/blobs/" + d, "POST " + up + "?digest=" + strings.Replace(d, ":", "%3A", 1),
			"PUT " + up + "u1?_state=s0&digest=" + strings.Replace(d, ":", "%3A", 1), "HEAD /v2/r/blobs/" + d}},
		{"cancel", []CallOption{WithUpload(Upload{Cancel: true})}, nil, []string{
			"HEAD /v2/r/blobs/" + d, "POST " + up, "PATCH " + up + "u1?_state=s0",
			"DELETE " + up + "u1?_state=s0", "GET " + up + "u1?_state=s0", "HEAD /v2/r/blobs/" + d}},
		// A blob to mount is not HEADed first unless it must be absent.
		{"mount", []CallOption{WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): "other/repo"}}), WithBlobChecks(BlobChecks{SkipGet: true})},
			func(f *pushFake) { f.put("other/repo", imagetest.LayerBytes(t, blob)) }, []string{
				"POST " + up + "?mount=" + strings.Replace(d, ":", "%3A", 1) + "&from=other%2Frepo", "HEAD /v2/r/blobs/" + d}},
		{"mount-absent", []CallOption{WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): "other/repo"}}), WithBlobChecks(BlobChecks{SkipGet: true, Head: HeadWantAbsent})},
			func(f *pushFake) { f.put("other/repo", imagetest.LayerBytes(t, blob)) }, []string{
				"HEAD /v2/r/blobs/" + d, "POST " + up + "?mount=" + strings.Replace(d, ":", "%3A", 1) + "&from=other%2Frepo", "HEAD /v2/r/blobs/" + d}},
		{"mount-fallback", []CallOption{WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): ""}}), WithBlobChecks(BlobChecks{SkipGet: true})}, nil, []string{
			"POST " + up + "?mount=" + strings.Replace(d, ":", "%3A", 1), "PATCH " + up + "u1?_state=s0",
			"PUT " + up + "u1?_state=s0&digest=" + strings.Replace(d, ":", "%3A", 1), "HEAD /v2/r/blobs/" + d}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPushFake(t)
			if tt.fake != nil {
				tt.fake(f)
			}
			if _, err := f.client(t).PushBlob(ctx, "r", blob, tt.opts...); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, uploadReqs(f.requests())); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPushBlobChunks: Content-Range is the inclusive form of each
// [start,end) slice, the upload status follows each chunk, refused chunks
// leave the session as it was, and Quay's overlap is skipped by a
// registry that does so.
func TestPushBlobChunks(t *testing.T) {
	ctx := context.Background()
	blob := randomBlob(3, 300)
	tests := []struct {
		name      string
		overlap   bool
		chunks    []Chunk
		put       bool
		wantCR    []string // Content-Range of each PATCH (and PUT)
		want      []ChunkResult
		finished  bool
		wantError string
	}{
		{"in-order", false, []Chunk{{0, 100, 0}, {100, ChunkToEnd, 0}}, false, []string{"0-99", "100-299"},
			[]ChunkResult{{0, 100, 202, "0-99", "0-99"}, {100, 300, 202, "0-299", "0-299"}}, true, ""},
		{"last-in-put", false, []Chunk{{0, 100, 0}, {100, ChunkToEnd, 0}}, true, []string{"0-99", "100-299"},
			[]ChunkResult{{0, 100, 202, "0-99", "0-99"}, {100, 300, 201, "", ""}}, true, ""},
		{"gap-refused", false, []Chunk{{0, 100, 0}, {101, ChunkToEnd, 416}}, false, []string{"0-99", "101-299"},
			[]ChunkResult{{0, 100, 202, "0-99", "0-99"}, {101, 300, 416, "", "0-99"}}, false, ""},
		{"gap-then-in-order", false, []Chunk{{0, 100, 0}, {101, ChunkToEnd, 416}, {100, ChunkToEnd, 0}}, false, []string{"0-99", "101-299", "100-299"},
			[]ChunkResult{{0, 100, 202, "0-99", "0-99"}, {101, 300, 416, "", "0-99"}, {100, 300, 202, "0-299", "0-299"}}, true, ""},
		{"quay-overlap", true, []Chunk{{0, 90, 0}, {10, ChunkToEnd, 0}}, false, []string{"0-89", "10-299"},
			[]ChunkResult{{0, 90, 202, "0-89", "0-89"}, {10, 300, 202, "0-299", "0-299"}}, true, ""},
		{"overlap-refused", false, []Chunk{{0, 90, 0}, {10, ChunkToEnd, 0}}, false, []string{"0-89", "10-299"}, nil, false,
			"chunks[1] = [10,300): PATCH /v2/r/blobs/uploads/u1?_state=REDACTED = 416 RANGE_INVALID, want 202 (upload-chunk)"},
		{"accepted-but-wanted-416", true, []Chunk{{0, 90, 0}, {10, ChunkToEnd, 416}}, false, []string{"0-89", "10-299"}, nil, false,
			"chunks[1] = [10,300): PATCH /v2/r/blobs/uploads/u1?_state=REDACTED = 202, want 416 (upload-chunk)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPushFake(t)
			f.overlap = tt.overlap
			res, err := f.client(t).PushBlob(ctx, "r", blob, WithUpload(Upload{Chunks: tt.chunks, LastChunkInPut: tt.put}))
			var gotCR []string
			for _, r := range f.requests() {
				if r.ContentRange != "" {
					gotCR = append(gotCR, r.ContentRange)
				}
			}
			if diff := cmp.Diff(tt.wantCR, gotCR); diff != "" {
				t.Errorf("Content-Range (-want +got):\n%s", diff)
			}
			if tt.wantError != "" {
				var be *BlobError
				if err == nil || !errors.As(err, &be) || be.Digest != blob.Digest() {
					t.Fatalf("PushBlob: %v, want a *BlobError", err)
				}
				if got, want := err.Error(), "blob "+string(blob.Digest())+": "+tt.wantError; got != want {
					t.Errorf("error:\n%s\nwant\n%s", got, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Chunks); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
			if res.Finished != tt.finished {
				t.Errorf("Finished = %v, want %v", res.Finished, tt.finished)
			}
		})
	}
}

// TestPushBlobChunkMinLength: the registry's OCI-Chunk-Min-Length raises
// Upload.ChunkSize, and a chunk list that breaks it is a *ChunkMinLengthError.
func TestPushBlobChunkMinLength(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	f.minChunk = 1024
	blob := randomBlob(4, 3*1024-5)
	res, err := f.client(t).PushBlob(ctx, "r", blob, WithUpload(Upload{ChunkSize: 100}))
	if err != nil {
		t.Fatal(err)
	}
	var lens []int
	for _, r := range f.requests() {
		if r.Method == http.MethodPatch {
			lens = append(lens, r.BodyLen)
		}
	}
	if diff := cmp.Diff([]int{1024, 1024, 1019}, lens); diff != "" {
		t.Errorf("PATCH lengths (-want +got):\n%s", diff)
	}
	if res.ChunkMinLength != 1024 || !res.Finished {
		t.Errorf("result %+v, want ChunkMinLength 1024, finished", res)
	}

	_, err = f.client(t).PushBlob(ctx, "r2", blob, WithUpload(Upload{Chunks: []Chunk{{0, 100, 0}, {100, ChunkToEnd, 0}}}))
	var ce *ChunkMinLengthError
	if !errors.As(err, &ce) {
		t.Fatalf("PushBlob with a 100-byte chunk: %v, want a *ChunkMinLengthError", err)
	}
	if diff := cmp.Diff(&ChunkMinLengthError{Chunk: 0, Start: 0, End: 100, Min: 1024}, ce); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if got, want := ce.Error(), "chunks[0] = [0,100) of 100 bytes, want at least 1024 (OCI-Chunk-Min-Length)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	// The last chunk may be shorter.
	if _, err := f.client(t).PushBlob(ctx, "r3", blob, WithUpload(Upload{Chunks: []Chunk{{0, 2048, 0}, {2048, ChunkToEnd, 0}}})); err != nil {
		t.Errorf("PushBlob with a short last chunk: %v", err)
	}
	// A value that is not a number is the registry's error.
	f.mu.Lock()
	f.mangle = func(r *http.Request, h http.Header, status int) int {
		if r.Method == http.MethodPost {
			h.Set("OCI-Chunk-Min-Length", "lots")
		}
		return status
	}
	f.mu.Unlock()
	_, err = f.client(t).PushBlob(ctx, "r4", blob, WithUpload(Upload{ChunkSize: 100}))
	var re *ResponseError
	if !errors.As(err, &re) || re.What != "OCI-Chunk-Min-Length" || re.Step != failures.StartUpload {
		t.Errorf("PushBlob with OCI-Chunk-Min-Length: lots: %v, want a *ResponseError about it", err)
	}
}

// TestPushBlobBadAnswers: every header and body the flow checks, broken
// one at a time, gives an error naming it.
func TestPushBlobBadAnswers(t *testing.T) {
	ctx := context.Background()
	blob := randomBlob(5, 1500)
	d := string(blob.Digest())
	other := string(digest.FromString("other"))
	tests := []struct {
		name   string
		opts   []CallOption
		mangle func(r *http.Request, h http.Header, status int) int
		hook   func(w http.ResponseWriter, r *http.Request) bool
		want   string
	}{
		{"post without Location", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "POST" {
				h.Del("Location")
			}
			return s
		}, nil, `POST /v2/r/blobs/uploads/ = 202, Location "", want a URL (start-upload)`},
		{"post without Location", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "POST" {
				h.Del("Location")
			}
			return s
		}, nil, `POST /v2/r/blobs/uploads/ = 202, Location "", want a URL (start-upload)`},
		{"patch without Location", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "PATCH" {
				h.Del("Location")
			}
			return s
		}, nil, `PATCH /v2/r/blobs/uploads/u1?_state=REDACTED = 202, Location "", want a URL (upload-chunk)`},
		{"patch Range", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "PATCH" {
				h.Set("Range", "0-10")
			}
			return s
		}, nil, `PATCH /v2/r/blobs/uploads/u1?_state=REDACTED = 202, Range "0-10", want "0-1499" (upload-chunk)`},
		{"quay status Range", []CallOption{WithUpload(Upload{ChunkSize: 1000})}, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "GET" && strings.Contains(r.URL.Path, "uploads") {
				h.Set("Range", "bytes=0-1000")
			}
			return s
		}, nil, `after chunks[0] = [0,1000): GET /v2/r/blobs/uploads/u1?_state=REDACTED = 204, Range "bytes=0-1000", want "0-999" (upload-status)`},
		{"status UUID", []CallOption{WithUpload(Upload{ChunkSize: 1000})}, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "GET" && strings.Contains(r.URL.Path, "uploads") {
				h.Set("Docker-Upload-UUID", "another")
			}
			return s
		}, nil, `after chunks[0] = [0,1000): GET /v2/r/blobs/uploads/u1?_state=REDACTED = 204, Docker-Upload-UUID "another", want "u1" (upload-status)`},
		{"finish digest", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "PUT" {
				h.Set("Docker-Content-Digest", other)
			}
			return s
		}, nil, fmt.Sprintf(`PUT /v2/r/blobs/uploads/u1?_state=REDACTED&digest=%s = 201, Docker-Content-Digest %q, want %q (finish-upload)`,
			strings.Replace(d, ":", "%3A", 1), other, d)},
		{"finish digest of other bytes in sha512", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "PUT" {
				h.Set("Docker-Content-Digest", string(digest.SHA512.FromString("other")))
			}
			return s
		}, nil, fmt.Sprintf(`PUT /v2/r/blobs/uploads/u1?_state=REDACTED&digest=%s = 201, Docker-Content-Digest %q, want %q (finish-upload)`,
			strings.Replace(d, ":", "%3A", 1), digest.SHA512.FromString("other"), d)},
		{"finish with a bad Location", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "PUT" {
				h.Set("Location", "::bad")
			}
			return s
		}, nil, fmt.Sprintf(`PUT /v2/r/blobs/uploads/u1?_state=REDACTED&digest=%s = 201, Location "::bad", want a URL (finish-upload)`, strings.Replace(d, ":", "%3A", 1))},
		{"head-check digest", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "HEAD" {
				h.Set("Docker-Content-Digest", other)
				h.Set("Content-Length", "1500")
				return 200
			}
			return s
		}, nil, fmt.Sprintf(`HEAD /v2/r/blobs/%s = 200, Docker-Content-Digest %q, want %q (blob-head-check)`, d, other, d)},
		{"head-check length", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "HEAD" {
				h.Set("Content-Length", "7")
				return 200
			}
			return s
		}, nil, fmt.Sprintf(`HEAD /v2/r/blobs/%s = 200, Content-Length "7", want "1500" (blob-head-check)`, d)},
		{"head digest", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "HEAD" && s == 200 {
				h.Set("Docker-Content-Digest", other)
			}
			return s
		}, nil, fmt.Sprintf(`HEAD /v2/r/blobs/%s = 200, Docker-Content-Digest %q, want %q (head-blob)`, d, other, d)},
		{"head length", nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "HEAD" && s == 200 {
				h.Set("Content-Length", "7")
			}
			return s
		}, nil, fmt.Sprintf(`HEAD /v2/r/blobs/%s = 200, Content-Length "7", want "1500" (head-blob)`, d)},
		{"get other bytes", nil, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "GET" || !strings.Contains(r.URL.Path, "/blobs/sha256") {
				return false
			}
			w.Write(make([]byte, 1500))
			return true
		}, fmt.Sprintf(`GET /v2/r/blobs/%s = 200, body digest %s, want %s (get-blob)`, d, digest.FromBytes(make([]byte, 1500)), d)},
		{"get endless body", nil, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "GET" || !strings.Contains(r.URL.Path, "/blobs/sha256") {
				return false
			}
			for range 1000 {
				if _, err := w.Write(make([]byte, 64<<10)); err != nil {
					break
				}
			}
			return true
		}, fmt.Sprintf(`GET /v2/r/blobs/%s = 200, body more than 1500 bytes, want 1500 bytes (get-blob)`, d)},
		{"get short Content-Length", nil, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "GET" || !strings.Contains(r.URL.Path, "/blobs/sha256") {
				return false
			}
			w.Write(make([]byte, 10))
			return true
		}, fmt.Sprintf(`GET /v2/r/blobs/%s = 200, Content-Length 10, want 1500 (get-blob)`, d)},
		{"get short body", nil, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "GET" || !strings.Contains(r.URL.Path, "/blobs/sha256") {
				return false
			}
			w.(http.Flusher).Flush() // chunked: no Content-Length
			w.Write(make([]byte, 10))
			return true
		}, fmt.Sprintf(`GET /v2/r/blobs/%s = 200, body 10 bytes, want 1500 bytes (get-blob)`, d)},
		{"blob already there", []CallOption{WithBlobChecks(BlobChecks{Head: HeadWantAbsent})}, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "HEAD" {
				return false
			}
			w.WriteHeader(200)
			return true
		}, fmt.Sprintf(`HEAD /v2/r/blobs/%s = 200, want 404 (blob-head-check, BlobChecks.Head HeadWantAbsent)`, d)},
		{"cancel leaves the session", []CallOption{WithUpload(Upload{Cancel: true})}, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "DELETE" {
				return false
			}
			w.WriteHeader(204)
			return true
		}, `after cancel-upload: GET /v2/r/blobs/uploads/u1?_state=REDACTED = 204, want 404 (upload-status)`},
		{"mount with another digest", []CallOption{WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): "o"}})}, nil, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != "POST" {
				return false
			}
			w.Header().Set("Location", "/v2/r/blobs/"+d)
			w.Header().Set("Docker-Content-Digest", other)
			w.WriteHeader(201)
			return true
		}, fmt.Sprintf(`POST /v2/r/blobs/uploads/?mount=%s&from=o = 201, Docker-Content-Digest %q, want %q (mount-blob)`, strings.Replace(d, ":", "%3A", 1), other, d)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPushFake(t)
			f.mu.Lock()
			f.mangle, f.hook = tt.mangle, tt.hook
			f.mu.Unlock()
			res, err := f.client(t).PushBlob(ctx, "r", blob, tt.opts...)
			if err == nil {
				t.Fatalf("PushBlob = %+v, nil, want an error", res)
			}
			if res != nil {
				t.Errorf("PushBlob returned a result with its error")
			}
			want := "blob " + d + ": " + tt.want
			if got := err.Error(); got != want {
				t.Errorf("error:\n%s\nwant\n%s", got, want)
			}
			var be *BlobError
			if !errors.As(err, &be) || be.Digest != blob.Digest() {
				t.Errorf("error %T, want a *BlobError naming the blob", err)
			}
		})
	}
}

// TestPushBlobsExpectedFailure: a call that expects a failure uploads one
// blob at a time and stops at the first step that shows it.
func TestPushBlobsExpectedFailure(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	f.mu.Lock()
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost {
			fakeErr(w, 405, failures.CodeUnsupported)
			return true
		}
		return false
	}
	f.mu.Unlock()
	blobs := []Blob{randomBlob(6, 10), randomBlob(7, 20), randomBlob(8, 30)}
	c := f.client(t)
	res, err := c.PushBlobs(ctx, "r", blobs, ExpectFailure(failures.ReadonlyRegistry), WithLimits(Limits{Concurrency: 3}))
	if err != nil || res != nil {
		t.Fatalf("PushBlobs = %v, %v, want nil, nil", res, err)
	}
	want := []string{"HEAD /v2/r/blobs/" + string(blobs[0].Digest()), "POST /v2/r/blobs/uploads/"}
	if diff := cmp.Diff(want, uploadReqs(f.requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	// Without the expected failure it is an error.
	_, err = c.PushBlobs(ctx, "r", blobs)
	var se *StatusError
	if !errors.As(err, &se) || se.Step != failures.StartUpload || se.Got != 405 {
		t.Errorf("PushBlobs: %v, want start-upload 405", err)
	}
	// A registry that takes the upload answers the mapped step with
	// another status.
	f.mu.Lock()
	f.hook = nil
	f.mu.Unlock()
	_, err = c.PushBlobs(ctx, "r2", blobs, ExpectFailure(failures.ReadonlyRegistry))
	if !errors.As(err, &se) || !se.Mapped || se.Got != 202 || se.Want != 405 {
		t.Errorf("PushBlobs expecting readonly-registry from a writable registry: %v, want start-upload = 202, want 405", err)
	}
	// A failure mapped at no step of a blob upload is never met.
	_, err = c.PushBlobs(ctx, "r3", blobs, ExpectFailure(failures.UnknownTag))
	var me *MissedFailureError
	if !errors.As(err, &me) {
		t.Errorf("PushBlobs expecting unknown-tag: %v, want a *MissedFailureError", err)
	}
}

// TestPushBlobMountTwist: Quay's table maps unauthorized-for-mount to 202
// at mount-blob; the upload then goes on through the offered session,
// every later step at its success status.
func TestPushBlobMountTwist(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	blob := randomBlob(9, 100)
	c := f.client(t, WithTable(failures.Quay))
	res, err := c.PushBlob(ctx, "r", blob, WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): "nowhere"}}), ExpectFailure(failures.UnauthorizedForMount))
	if err != nil {
		t.Fatal(err)
	}
	if !res.MountRefused || !res.MountFallback || !res.Finished {
		t.Errorf("result %+v, want the refused mount met and the blob finished", res)
	}
	// A failure the table maps at mount-blob with another status stops
	// there.
	f.mu.Lock()
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost {
			fakeErr(w, 405, failures.CodeUnsupported)
			return true
		}
		return false
	}
	f.mu.Unlock()
	res, err = c.PushBlob(ctx, "r2", blob, WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): "r"}}), ExpectFailure(failures.ReadonlyRegistry))
	if err != nil || res != nil {
		t.Errorf("PushBlob expecting readonly-registry = %+v, %v, want nil, nil", res, err)
	}
	if got := uploadReqs(f.requests()); !strings.HasPrefix(got[len(got)-1], "POST /v2/r2/blobs/uploads/?mount=") {
		t.Errorf("last request %q, want the mount", got[len(got)-1])
	}
}

// TestPushBlobConcurrent uploads blobs concurrently (meant for -race).
func TestPushBlobConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	f.location = "rotating"
	var blobs []Blob
	for i := range 16 {
		b := randomBlob(uint64(100+i), int64(1000+i*37))
		blobs = append(blobs, b, b)
	}
	res, err := f.client(t).PushBlobs(ctx, "r", blobs, WithLimits(Limits{Concurrency: 8}), WithUpload(Upload{ChunkSize: 300}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 16 {
		t.Fatalf("%d results, want 16", len(res))
	}
	for i, r := range res {
		if r.Digest != blobs[2*i].Digest() || !r.Finished {
			t.Errorf("results[%d] = %+v, want %s finished", i, r, blobs[2*i].Digest())
		}
	}
}

// TestPushBlobContext: a registry that stalls an upload is left when the
// context ends.
func TestPushBlobContext(t *testing.T) {
	f := newPushFake(t)
	release := make(chan struct{})
	defer close(release)
	f.mu.Lock()
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return true
		}
		return false
	}
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.client(t).PushBlob(ctx, "r", randomBlob(10, 5000))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("PushBlob: %v, want context.DeadlineExceeded", err)
	}
	var re *RequestError
	if !errors.As(err, &re) || re.Step != failures.UploadChunk {
		t.Errorf("PushBlob: %v, want a *RequestError at upload-chunk", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("PushBlob took %v after its context ended", d)
	}
}

// TestPushBlobArguments: what the caller gives wrong fails before the
// registry is asked anything.
func TestPushBlobArguments(t *testing.T) {
	ctx := context.Background()
	f := newPushFake(t)
	c := f.client(t)
	if _, err := c.PushBlob(ctx, "r", nil); err == nil {
		t.Error("PushBlob(nil) = nil error")
	}
	_, err := c.PushBlob(ctx, "r", badBlob{})
	var be *BlobError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), `Digest() = "nope", want a digest`) {
		t.Errorf("PushBlob of a blob with a bad digest: %v", err)
	}
	if slices.ContainsFunc(uploadReqs(f.requests()), func(s string) bool { return !strings.HasPrefix(s, "GET /v2/") }) {
		t.Errorf("requests %v, want none but pings", uploadReqs(f.requests()))
	}
}

type badBlob struct{}

func (badBlob) Digest() digest.Digest { return "nope" }
func (badBlob) Size() int64           { return 0 }
func (badBlob) Open() (io.ReadCloser, error) {
	return nil, errors.New("no")
}

// TestPushBlobTolerates: what the spec leaves OPTIONAL (Docker-Upload-UUID,
// Docker-Content-Digest, the HEAD's Content-Length) may be absent, and a
// Docker-Content-Digest in another algorithm of the same bytes is right; a
// 201 without Location is gone past and recorded in Tolerated.
func TestPushBlobTolerates(t *testing.T) {
	ctx := context.Background()
	blob := randomBlob(7, 1500)
	d := string(blob.Digest())
	sha512 := string(digest.SHA512.FromBytes(imagetest.LayerBytes(t, blob)))
	mount := WithUpload(Upload{Mounts: map[digest.Digest]string{blob.Digest(): "o"}})
	tests := []struct {
		name      string
		opts      []CallOption
		fake      func(f *pushFake)
		mangle    func(r *http.Request, h http.Header, s int) int
		tolerated []string // the Tolerated errors' messages
	}{
		{"no Docker headers", nil, nil, func(r *http.Request, h http.Header, s int) int {
			h.Del("Docker-Upload-UUID")
			h.Del("Docker-Content-Digest")
			if r.Method == "HEAD" {
				h.Del("Content-Length")
			}
			return s
		}, nil},
		{"digest in sha512", nil, nil, func(r *http.Request, h http.Header, s int) int {
			if h.Get("Docker-Content-Digest") != "" {
				h.Set("Docker-Content-Digest", sha512)
			}
			return s
		}, nil},
		{"finish without Location", nil, nil, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "PUT" {
				h.Del("Location")
			}
			return s
		}, []string{fmt.Sprintf(`PUT /v2/r/blobs/uploads/u1?_state=REDACTED&digest=%s = 201, Location "", want the blob's URL (finish-upload)`, strings.Replace(d, ":", "%3A", 1))}},
		{"post digest without Location", []CallOption{WithUpload(Upload{Style: UploadPostDigest})}, func(f *pushFake) { f.postDigest = true }, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "POST" {
				h.Del("Location")
			}
			return s
		}, []string{fmt.Sprintf(`POST /v2/r/blobs/uploads/?digest=%s = 201, Location "", want the blob's URL (start-upload)`, strings.Replace(d, ":", "%3A", 1))}},
		{"mount without digest and Location", []CallOption{mount}, func(f *pushFake) { f.put("o", imagetest.LayerBytes(t, blob)) }, func(r *http.Request, h http.Header, s int) int {
			if r.Method == "POST" {
				h.Del("Location")
				h.Del("Docker-Content-Digest")
			}
			return s
		}, []string{fmt.Sprintf(`POST /v2/r/blobs/uploads/?mount=%s&from=o = 201, Location "", want the blob's URL (mount-blob)`, strings.Replace(d, ":", "%3A", 1))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPushFake(t)
			if tt.fake != nil {
				tt.fake(f)
			}
			f.mangle = tt.mangle
			res, err := f.client(t).PushBlob(ctx, "r", blob, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Finished || res.Skipped {
				t.Errorf("result %+v, want finished, not skipped", res)
			}
			var got []string
			for _, e := range res.Tolerated {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.tolerated, got); diff != "" {
				t.Errorf("Tolerated (-want +got):\n%s", diff)
			}
			if (len(tt.tolerated) > 0) != (res.Location == "") {
				t.Errorf("Location = %q with %d tolerated lapses, want \"\" exactly when the answer had none", res.Location, len(res.Tolerated))
			}
		})
	}
}

// TestPushBlobPresent: by default a blob the HEAD finds is skipped (no
// upload); HeadWantAbsent refuses it, naming the option; HeadNone
// uploads it again; the two options together are an error.
func TestPushBlobPresent(t *testing.T) {
	ctx := context.Background()
	blob := randomBlob(8, 1500)
	d := string(blob.Digest())
	f := newPushFake(t)
	f.put("r", imagetest.LayerBytes(t, blob))
	c := f.client(t)

	res, err := c.PushBlob(ctx, "r", blob)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Skipped || !res.Finished || res.Location != "" {
		t.Errorf("PushBlob of a present blob = %+v, want skipped and finished", res)
	}
	if diff := cmp.Diff([]string{"HEAD /v2/r/blobs/" + d}, uploadReqs(f.requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	_, err = c.PushBlob(ctx, "r", blob, WithBlobChecks(BlobChecks{Head: HeadWantAbsent}))
	var se *StatusError
	if !errors.As(err, &se) || se.Step != failures.BlobHeadCheck || se.Got != 200 || se.Want != 404 || se.Option != "BlobChecks.Head HeadWantAbsent" {
		t.Errorf("PushBlob(HeadWantAbsent) of a present blob: %v, want HEAD = 200, want 404 (blob-head-check, BlobChecks.Head HeadWantAbsent)", err)
	}

	res, err = c.PushBlob(ctx, "r", blob, WithBlobChecks(BlobChecks{Head: HeadNone}))
	if err != nil || res.Skipped || !res.Finished || res.Location == "" {
		t.Errorf("PushBlob(HeadNone) = %+v, %v, want uploaded again", res, err)
	}

	if _, err := c.PushBlob(ctx, "r", blob, WithBlobChecks(BlobChecks{Head: HeadNone}), WithBlobChecks(BlobChecks{Head: HeadWantAbsent})); err == nil || !strings.Contains(err.Error(), "option WithBlobChecks given twice") {
		t.Errorf("PushBlob(two WithBlobChecks) = %v, want an error naming WithBlobChecks", err)
	}
}

// TestBytesBlobFileBlob: the public constructors have the digest and size
// of their bytes; FileBlob's Open is the *os.File, BytesBlob's reader
// seeks and reads at an offset.
func TestBytesBlobFileBlob(t *testing.T) {
	data := []byte("some blob bytes")
	bb := BytesBlob(data)
	path := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fb, err := FileBlob(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []Blob{bb, fb} {
		if b.Digest() != digest.FromBytes(data) || b.Size() != int64(len(data)) {
			t.Errorf("%T: %s, %d bytes, want %s, %d", b, b.Digest(), b.Size(), digest.FromBytes(data), len(data))
		}
		for range 2 {
			rc, err := b.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%T: Open read %q, %v, want %q", b, got, err, data)
			}
		}
	}
	rc, _ := fb.Open()
	if _, ok := rc.(*os.File); !ok {
		t.Errorf("FileBlob Open = %T, want *os.File", rc)
	}
	rc.Close()
	rc, _ = bb.Open()
	if _, ok := rc.(interface {
		io.ReadSeeker
		io.ReaderAt
	}); !ok {
		t.Errorf("BytesBlob Open = %T, want an io.ReadSeeker and io.ReaderAt", rc)
	}
	if _, err := FileBlob(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Errorf("FileBlob of a missing file: nil error")
	}
}
