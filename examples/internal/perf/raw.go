package perf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"
)

// CeilingBuffer is the default read buffer of a Ceiling's pulls and of
// HashBlobs: 1 MiB.
const CeilingBuffer = 1 << 20

// A Ceiling is the client a push or a pull is measured against: plain
// net/http doing the least the protocol allows, with the checks every
// client makes on pull (digest and length of each blob).
//
// A Ceiling is safe for concurrent use; its fields must not change while
// it is in use.
type Ceiling struct {
	// HTTP sends the requests; nil means a client made by
	// NewCeilingClient, shared by the Ceilings that leave HTTP nil.
	HTTP *http.Client
	// URL is the registry's base URL, http://host:port.
	URL string
	// Concurrency is the number of blobs in flight at most (at least 1).
	Concurrency int
	// ReadBuffer is the size of the reads of a pull; 0 means
	// CeilingBuffer.
	ReadBuffer int
}

// NewCeilingClient returns the http.Client of the ceiling: a transport of
// its own that keeps up to 64 idle connections to a host (so that
// concurrent blobs reuse theirs) and asks for no compression.
func NewCeilingClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}}
}

var defaultCeilingClient = NewCeilingClient()

func (c *Ceiling) client() *http.Client {
	if c.HTTP == nil {
		return defaultCeilingClient
	}
	return c.HTTP
}

// Push pushes img to repository repo at tag with the least the protocol
// allows and no check beyond status codes: for each blob, up to
// Concurrency at once, POST /v2/<repo>/blobs/uploads/ (202) and one PUT
// <Location>&digest=<digest> carrying the blob's file (201), whose
// Content-Length is set so that net/http hands the file to the kernel
// (sendfile); then PUT of the manifest (201).
func (c *Ceiling) Push(ctx context.Context, repo, tag string, img *Image) error {
	hc := c.client()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(c.Concurrency, 1))
	for _, b := range img.Blobs() {
		g.Go(func() error { return rawPushBlob(gctx, hc, c.URL, repo, b) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	u := c.URL + "/v2/" + repo + "/manifests/" + tag
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(img.Manifest.Bytes))
	if err != nil {
		return fmt.Errorf("perf.Ceiling.Push: %v", err)
	}
	req.Header.Set("Content-Type", img.Manifest.MediaType)
	_, err = do(hc, req, http.StatusCreated)
	return err
}

func rawPushBlob(ctx context.Context, hc *http.Client, base, repo string, b *FileBlob) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v2/"+repo+"/blobs/uploads/", nil)
	if err != nil {
		return fmt.Errorf("perf.Ceiling.Push: %v", err)
	}
	resp, err := do(hc, req, http.StatusAccepted)
	if err != nil {
		return err
	}
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		return fmt.Errorf("perf.Ceiling.Push: POST %s: Location %q: %v", req.URL.Path, resp.Header.Get("Location"), err)
	}
	q := loc.Query()
	q.Set("digest", string(b.digest))
	loc.RawQuery = q.Encode()
	f, err := os.Open(b.path)
	if err != nil {
		return fmt.Errorf("perf.Ceiling.Push: %v", err)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPut, loc.String(), nil)
	if err != nil {
		f.Close()
		return fmt.Errorf("perf.Ceiling.Push: %v", err)
	}
	req.Body = f // closed by the transport
	req.ContentLength = b.size
	req.Header.Set("Content-Type", "application/octet-stream")
	_, err = do(hc, req, http.StatusCreated)
	return err
}

// Pull pulls repo:tag as img was pushed, with the least the protocol
// allows and the checks every client makes: GET of the manifest (200),
// then GET of each blob of img (200), up to Concurrency at once, read in
// ReadBuffer-sized reads through sha256, whose digest and length must be
// the blob's.
func (c *Ceiling) Pull(ctx context.Context, repo, tag string, img *Image) error {
	hc := c.client()
	bufSize := c.ReadBuffer
	if bufSize <= 0 {
		bufSize = CeilingBuffer
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		return fmt.Errorf("perf.Ceiling.Pull: %v", err)
	}
	req.Header.Set("Accept", img.Manifest.MediaType)
	resp, err := do(hc, req, http.StatusOK)
	if err != nil {
		return err
	}
	if err := readCheck(resp, img.Manifest.Digest, int64(len(img.Manifest.Bytes)), make([]byte, 64<<10)); err != nil {
		return err
	}
	conc := max(c.Concurrency, 1)
	// One buffer per blob in flight, reused.
	bufs := make(chan []byte, conc)
	for range conc {
		bufs <- make([]byte, bufSize)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, b := range img.Blobs() {
		g.Go(func() error {
			req, err := http.NewRequestWithContext(gctx, http.MethodGet, c.URL+"/v2/"+repo+"/blobs/"+string(b.digest), nil)
			if err != nil {
				return fmt.Errorf("perf.Ceiling.Pull: %v", err)
			}
			resp, err := do(hc, req, http.StatusOK)
			if err != nil {
				return err
			}
			buf := <-bufs
			defer func() { bufs <- buf }()
			return readCheck(resp, b.digest, b.size, buf)
		})
	}
	return g.Wait()
}

// readCheck reads resp's body (at most one byte past size) through sha256
// with buf and closes it; the body must have digest d and size bytes.
func readCheck(resp *http.Response, d digest.Digest, size int64, buf []byte) error {
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(hashWriter{h}, io.LimitReader(resp.Body, size+1), buf)
	if err != nil {
		return fmt.Errorf("perf.Ceiling.Pull: GET %s: reading the body: %v", resp.Request.URL.Path, err)
	}
	if n != size {
		return fmt.Errorf("perf.Ceiling.Pull: GET %s: %d bytes, want %d", resp.Request.URL.Path, n, size)
	}
	if got := digest.NewDigest(digest.SHA256, h); got != d {
		return fmt.Errorf("perf.Ceiling.Pull: GET %s: digest %s, want %s", resp.Request.URL.Path, got, d)
	}
	return nil
}

// hashWriter hides everything of a writer but Write, so that
// io.CopyBuffer uses the buffer it is given.
type hashWriter struct{ w io.Writer }

func (h hashWriter) Write(p []byte) (int, error) { return h.w.Write(p) }

// HashBlobs reads img's blob files one after the other through sha256, in
// CeilingBuffer-sized reads, and checks their digests: the cost of hashing
// the bytes a client moves, on one core.
func HashBlobs(img *Image) error {
	buf := make([]byte, CeilingBuffer)
	for _, b := range img.Blobs() {
		f, err := os.Open(b.path)
		if err != nil {
			return fmt.Errorf("perf.HashBlobs: %v", err)
		}
		h := sha256.New()
		_, err = io.CopyBuffer(hashWriter{h}, f, buf)
		f.Close()
		if err != nil {
			return fmt.Errorf("perf.HashBlobs: %v", err)
		}
		if got := digest.NewDigest(digest.SHA256, h); got != b.digest {
			return fmt.Errorf("perf.HashBlobs: %s: digest %s, want %s", b.path, got, b.digest)
		}
	}
	return nil
}

// do sends req with hc; the answer must have status want. On another
// status the body is read (at most 4 KiB) for the error, and closed.
func do(hc *http.Client, req *http.Request, want int) (*http.Response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("perf.Ceiling: %s %s: %v", req.Method, redact(req.URL), err)
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("perf.Ceiling: %s %s = %d, want %d: %q", req.Method, redact(req.URL), resp.StatusCode, want, b)
	}
	if req.Method != http.MethodGet {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
	}
	return resp, nil
}

// redact returns u's path: the query of an upload URL holds distribution's
// _state.
func redact(u *url.URL) string { return u.Path }
