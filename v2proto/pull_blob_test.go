package v2proto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/internal/imagetest"
)

// blobRegistry serves blobs from memory, with ranges.
func blobRegistry(t testing.TB, blobs ...*fixtures.Layer) *memRegistry {
	m := newMemRegistry(t, pullRepo)
	for _, b := range blobs {
		m.blobs[b.Digest()] = b
	}
	return m
}

func TestGetBlob(t *testing.T) {
	blob := fixtures.RandomBlob(7, 100_000, "application/octet-stream")
	m := blobRegistry(t, blob)
	c := memClient(t, m)
	ctx := context.Background()
	var buf bytes.Buffer
	info, err := c.GetBlob(ctx, pullRepo, blob.Digest(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	want := &BlobInfo{Digest: blob.Digest(), Size: blob.Size(), ContentType: "application/octet-stream"}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("GetBlob mismatch (-want +got):\n%s", diff)
	}
	if !bytes.Equal(buf.Bytes(), imagetest.LayerBytes(t, blob)) {
		t.Errorf("GetBlob wrote other bytes")
	}
	if _, err := c.GetBlob(ctx, pullRepo, blob.Digest(), nil); err != nil {
		t.Errorf("GetBlob to nil: %v", err)
	}

	head, err := c.HeadBlob(ctx, pullRepo, blob.Digest())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, head); diff != "" {
		t.Errorf("HeadBlob mismatch (-want +got):\n%s", diff)
	}

	// A missing blob: 404 BLOB_UNKNOWN, and a StatusError naming the step.
	missing := digest.FromString("missing")
	_, err = c.GetBlob(ctx, pullRepo, missing, nil)
	wantErr := fmt.Sprintf("GET /v2/%s/blobs/%s = 404 BLOB_UNKNOWN, want 200 (get-blob)", pullRepo, missing)
	if err == nil || err.Error() != wantErr {
		t.Errorf("GetBlob of a missing blob: %v\nwant %s", err, wantErr)
	}
	_, err = c.HeadBlob(ctx, pullRepo, missing)
	var se *StatusError
	if !errors.As(err, &se) || se.Got != 404 || se.Step != failures.HeadBlob {
		t.Errorf("HeadBlob of a missing blob: %v, want a 404 *StatusError at head-blob", err)
	}

	// A writer that fails is told apart from the registry.
	_, err = c.GetBlob(ctx, pullRepo, blob.Digest(), failingWriter{})
	if err == nil || !strings.Contains(err.Error(), "writing: disk full") {
		t.Errorf("GetBlob to a failing writer: %v", err)
	}

	// A wrong Docker-Content-Digest.
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/blobs/") {
			w.Header().Set("Docker-Content-Digest", string(missing))
			w.Write(imagetest.LayerBytes(t, blob))
			return true
		}
		return false
	}
	_, err = c.GetBlob(ctx, pullRepo, blob.Digest(), nil)
	wantErr = fmt.Sprintf("GET /v2/%s/blobs/%s = 200, Docker-Content-Digest %q, want %s (get-blob)", pullRepo, blob.Digest(), missing, blob.Digest())
	if err == nil || err.Error() != wantErr {
		t.Errorf("GetBlob with another Docker-Content-Digest: %v\nwant %s", err, wantErr)
	}
	_, err = c.HeadBlob(ctx, pullRepo, blob.Digest())
	wantErr = fmt.Sprintf("HEAD /v2/%s/blobs/%s = 200, Docker-Content-Digest %q, want %s (head-blob)", pullRepo, blob.Digest(), missing, blob.Digest())
	if err == nil || err.Error() != wantErr {
		t.Errorf("HeadBlob with another Docker-Content-Digest: %v\nwant %s", err, wantErr)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestGetBlobRange(t *testing.T) {
	blob := fixtures.RandomBlob(9, 2048, "application/octet-stream")
	data := imagetest.LayerBytes(t, blob)
	m := blobRegistry(t, blob)
	c := memClient(t, m)
	ctx := context.Background()
	tests := []struct {
		spec string
		want *RangeResult
	}{
		{"bytes=500-1499", &RangeResult{Status: 206, ContentRange: "bytes 500-1499/2048", Start: 500, End: 1499, Total: 2048, Bytes: data[500:1500]}},
		{"bytes=500-", &RangeResult{Status: 206, ContentRange: "bytes 500-2047/2048", Start: 500, End: 2047, Total: 2048, Bytes: data[500:]}},
		{"bytes=-500", &RangeResult{Status: 206, ContentRange: "bytes 1548-2047/2048", Start: 1548, End: 2047, Total: 2048, Bytes: data[1548:]}},
		{"bytes=2000-5000", &RangeResult{Status: 206, ContentRange: "bytes 2000-2047/2048", Start: 2000, End: 2047, Total: 2048, Bytes: data[2000:]}},
		{"bytes=5000-10000", &RangeResult{Status: 416, ContentRange: "bytes */2048", Start: -1, End: -1, Total: 2048}},
	}
	for _, tt := range tests {
		got, err := c.GetBlobRange(ctx, pullRepo, blob.Digest(), tt.spec)
		if err != nil {
			t.Errorf("GetBlobRange(%q): %v", tt.spec, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("GetBlobRange(%q) mismatch (-want +got):\n%s", tt.spec, diff)
		}
	}

	// A registry that ignores Range.
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/blobs/") {
			w.Write(data)
			return true
		}
		return false
	}
	got, err := c.GetBlobRange(ctx, pullRepo, blob.Digest(), "bytes=1-3")
	if err != nil || !got.Ignored || got.Status != 200 || got.Bytes != nil {
		t.Errorf("GetBlobRange from a registry ignoring Range = %+v, %v, want Ignored", got, err)
	}

	// Wrong answers.
	bad := []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  string
	}{
		{"other range", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 0-2/2048")
			w.WriteHeader(206)
			w.Write(data[:3])
		}, `Content-Range "bytes 0-2/2048", want "bytes 1-3/2048" (for Range "bytes=1-3")`},
		{"malformed Content-Range", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 3-1/2048")
			w.WriteHeader(206)
		}, `Content-Range "bytes 3-1/2048", want "bytes <first>-<last>/<length or *>" with first <= last < length`},
		{"short body", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 1-3/2048")
			w.WriteHeader(206)
			w.(http.Flusher).Flush()
			w.Write(data[1:3])
		}, `body 2 bytes, want 3 bytes (Content-Range bytes 1-3/2048)`},
		{"long body", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 1-3/2048")
			w.WriteHeader(206)
			w.(http.Flusher).Flush()
			w.Write(data[1:5])
		}, `body more than 3 bytes, want 3 bytes (Content-Range bytes 1-3/2048)`},
		{"bad 416", func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 0-1/2048")
			w.WriteHeader(416)
		}, `Content-Range "bytes 0-1/2048", want "bytes */<length>"`},
		{"ignored with other bytes", func(w http.ResponseWriter) {
			w.Write(data[:100])
		}, `body digest ` + string(digest.FromBytes(data[:100]))},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			m.override = func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.Path, "/blobs/") {
					tt.serve(w)
					return true
				}
				return false
			}
			_, err := c.GetBlobRange(ctx, pullRepo, blob.Digest(), "bytes=1-3")
			prefix := fmt.Sprintf("GET /v2/%s/blobs/%s = ", pullRepo, blob.Digest())
			if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("GetBlobRange: %v\nwant %s...%s", err, prefix, tt.want)
			}
		})
	}

	// Debian 2.8.2's 416: Content-Length 2048 and no body.
	m.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.Path, "/blobs/") {
			w.Header().Set("Content-Length", "2048")
			w.WriteHeader(416)
			return true
		}
		return false
	}
	got, err = c.GetBlobRange(ctx, pullRepo, blob.Digest(), "bytes=500-0")
	if err != nil || got.Status != 416 || !got.ShortBody || got.Total != -1 {
		t.Errorf("GetBlobRange with an empty 416 = %+v, %v, want 416 with ShortBody", got, err)
	}
}

// TestGetBlobMemory: a blob streams through the hash; the memory a pull
// allocates does not grow with the blob.
func TestGetBlobMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	blob := fixtures.RandomBlob(11, 64<<20, "application/octet-stream")
	blob.Digest()
	m := blobRegistry(t, blob)
	c := memClient(t, m)
	ctx := context.Background()
	if _, err := c.GetBlob(ctx, pullRepo, blob.Digest(), nil); err != nil { // warm up
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := c.GetBlob(ctx, pullRepo, blob.Digest(), io.Discard); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	t.Logf("GetBlob of 64 MiB: %d bytes allocated (client and server)", after.TotalAlloc-before.TotalAlloc)
	// Client and server together, for 64 MiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("GetBlob of 64 MiB allocated %d bytes, want at most 4 MiB", alloc)
	}
}

// BenchmarkGetBlob measures the streaming, verified read of a 16 MiB blob
// from an in-process server.
func BenchmarkGetBlob(b *testing.B) {
	blob := fixtures.RandomBlob(13, 16<<20, "application/octet-stream")
	m := blobRegistry(b, blob)
	c := memClient(b, m)
	ctx := context.Background()
	b.SetBytes(blob.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetBlob(ctx, pullRepo, blob.Digest(), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPull measures a Pull of eight 2 MiB layers, four at a time.
func BenchmarkPull(b *testing.B) {
	images := fixtures.Chain(17, 8, fixtures.WithLayerSize(2<<20))
	built := buildImage(b, Schema2, pullRepo, "latest", images)
	m := newMemRegistry(b, pullRepo)
	m.put("latest", built)
	c := memClient(b, m)
	ctx := context.Background()
	var total int64
	for _, im := range images {
		total += im.Layer.Size()
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Pull(ctx, pullRepo, []string{"latest"}, images); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-0/1", "bytes 500-1499/2048", "bytes 1-3/*", "bytes */2048", "BYTES 1-2/3",
		"bytes 3-1/5", "bytes -1-2/3", "bytes 1-2/2", "bytes 99999999999999999999-1/2", "bytes=1-2", ""} {
		f.Add(s, "bytes=1-2", int64(2048))
	}
	f.Add("bytes 1548-2047/2048", "bytes=-500", int64(2048))
	f.Add("", "bytes=5-", int64(3))
	f.Fuzz(func(t *testing.T, cr, spec string, total int64) {
		if r, ok := parseContentRange(cr); ok {
			if r.start < 0 || r.start > r.end || (r.total >= 0 && r.end >= r.total) {
				t.Errorf("parseContentRange(%q) = %+v, breaks first <= last < length", cr, r)
			}
		}
		if n, ok := parseUnsatisfiedRange(cr); ok && n < 0 {
			t.Errorf("parseUnsatisfiedRange(%q) = %d", cr, n)
		}
		if total < 0 {
			return
		}
		if r, ok := expectedRange(spec, total); ok {
			if r.start < 0 || r.start > r.end || r.end >= total {
				t.Errorf("expectedRange(%q, %d) = %+v, outside the blob", spec, total, r)
			}
		}
	})
}
