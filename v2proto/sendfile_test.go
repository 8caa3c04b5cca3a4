package v2proto

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
)

// bodyTypes is a transport that records the type of every request body
// net/http is handed, by method, before sending it with
// http.DefaultTransport.
type bodyTypes struct {
	mu    sync.Mutex
	types map[string][]string
}

func (b *bodyTypes) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b.mu.Lock()
		b.types[req.Method] = append(b.types[req.Method], fmt.Sprintf("%T", req.Body))
		b.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// writeFileBlob writes n bytes made from seed to a file in dir and returns
// it as a FileBlob.
func writeFileBlob(t *testing.T, dir string, n, seed int) Blob {
	t.Helper()
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + seed)
	}
	path := filepath.Join(dir, fmt.Sprint("blob", seed))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := FileBlob(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Digest() != digest.FromBytes(data) || b.Size() != int64(n) {
		t.Fatalf("FileBlob(%q) = %s, %d bytes, want %s, %d", path, b.Digest(), b.Size(), digest.FromBytes(data), n)
	}
	return b
}

// recordingClient returns a client of url whose requests go through a
// bodyTypes recorder, and the recorder.
func recordingClient(t *testing.T, url string, opts ...Option) (*Client, *bodyTypes) {
	t.Helper()
	rec := &bodyTypes{types: map[string][]string{}}
	c, err := New(url, append([]Option{WithHTTPClient(&http.Client{Transport: rec})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// TestSendfile checks who gets a blob's *os.File, in the upload styles that
// send the whole blob in one body: by default, when the upload is the only
// large one in flight, net/http is handed a reader that hides the file (the
// bytes are copied through user space, net/http cannot use sendfile), and
// the *os.File itself while another is in flight (of this call or another);
// with WithSendfile, the *os.File always. The registry is the push fake:
// what is checked is what the client hands net/http, not what a registry
// does with it (the integration tests push files to real registries).
func TestSendfile(t *testing.T) {
	reg := newPushFake(t).srv
	blob := writeFileBlob(t, t.TempDir(), 3<<20+17, 0)
	for i, tc := range []struct {
		name   string
		opts   []Option
		others int64  // large uploads in flight besides this one
		method string // the method of the request carrying the blob
		style  UploadStyle
		want   string
	}{
		{"patch", nil, 0, http.MethodPatch, UploadPatch, "v2proto.userCopy"},
		{"post-put", nil, 0, http.MethodPut, UploadPostPut, "v2proto.userCopy"},
		{"patch beside another", nil, 1, http.MethodPatch, UploadPatch, "*os.File"},
		{"post-put beside others", nil, 3, http.MethodPut, UploadPostPut, "*os.File"},
		{"patch sendfile", []Option{WithSendfile()}, 0, http.MethodPatch, UploadPatch, "*os.File"},
		{"post-put sendfile", []Option{WithSendfile()}, 0, http.MethodPut, UploadPostPut, "*os.File"},
	} {
		repo := fmt.Sprintf("sendfile/case%d", i)
		t.Run(tc.name, func(t *testing.T) {
			c, rec := recordingClient(t, reg.URL, tc.opts...)
			// The other uploads: the test is not parallel, so no other
			// test's are in flight.
			largeUploads.Add(tc.others)
			res, err := c.PushBlob(context.Background(), repo, blob, WithUpload(Upload{Style: tc.style}))
			largeUploads.Add(-tc.others)
			if n := largeUploads.Load(); n != 0 {
				t.Errorf("large uploads in flight after PushBlob: %d, want 0", n)
			}
			if err != nil {
				t.Fatalf("PushBlob: %v", err)
			}
			if !res.Finished {
				t.Fatalf("PushBlob: %+v, want the upload finished", res)
			}
			got := rec.types[tc.method]
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s bodies handed to net/http: %q, want [%q]", tc.method, got, tc.want)
			}
		})
	}
}

// TestSendfileCalls checks the same for calls of several large blobs: by
// default the files go to net/http as they are when the call uploads them
// several at a time, and hidden when it uploads them one at a time.
func TestSendfileCalls(t *testing.T) {
	reg := newPushFake(t).srv
	dir := t.TempDir()
	var blobs []Blob
	for i := range 3 {
		blobs = append(blobs, writeFileBlob(t, dir, 2<<20+i, i))
	}
	for i, tc := range []struct {
		name string
		opts []CallOption
		want string
	}{
		{"concurrent", nil, "*os.File"},
		{"one at a time", []CallOption{WithLimits(Limits{Concurrency: 1})}, "v2proto.userCopy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := recordingClient(t, reg.URL)
			if _, err := c.PushBlobs(context.Background(), fmt.Sprintf("sendfile/calls%d", i), blobs, tc.opts...); err != nil {
				t.Fatalf("PushBlobs: %v", err)
			}
			if n := largeUploads.Load(); n != 0 {
				t.Errorf("large uploads in flight after PushBlobs: %d, want 0", n)
			}
			want := []string{tc.want, tc.want, tc.want}
			if diff := cmp.Diff(want, rec.types[http.MethodPatch]); diff != "" {
				t.Errorf("PATCH bodies handed to net/http (-want +got):\n%s", diff)
			}
		})
	}
}
