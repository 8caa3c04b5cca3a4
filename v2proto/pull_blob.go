package v2proto

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"

	"github.com/registrytest/registrytest/failures"
)

// MaxUnsizedBlob is the most a blob read takes from a registry when
// neither the caller, the manifest nor the answer's Content-Length says
// how long the blob is (a schema1 layer sent chunked): 16 GiB. Blob reads
// stream through a hash and never hold the blob in memory, whatever its
// size.
const MaxUnsizedBlob = 16 << 30

// MaxRangeBody is the largest body of a 206 answer GetBlobRange reads (and
// returns in memory): 16 MiB.
const MaxRangeBody = 16 << 20

// blobBufferSize is the size of the reads of a blob body: 1 MiB. In
// internal/perf, a 1 GiB pull read in 64 KiB pieces ran at 0.79 of the
// ceiling (a plain client reading 1 MiB at a time); in 1 MiB pieces it
// runs at the ceiling.
const blobBufferSize = 1 << 20

// blobBuffers holds the read buffers of blob bodies, one per blob in
// flight, reused across calls.
var blobBuffers = sync.Pool{New: func() any {
	b := make([]byte, blobBufferSize)
	return &b
}}

// A BlobInfo describes a blob a registry served.
type BlobInfo struct {
	// Digest is the blob's digest: for GetBlob the digest of the bytes
	// read, which equals the one asked for; for HeadBlob the
	// Docker-Content-Digest header ("" when absent).
	Digest digest.Digest
	// Size is the number of bytes read (GetBlob) or the Content-Length
	// header (HeadBlob; -1 when absent).
	Size int64
	// ContentType is the Content-Type header.
	ContentType string
}

// blobFetch is one blob GET of a pull: the blob, its size (-1 when
// unknown) and whether the registry must answer 404 (a foreign layer).
type blobFetch struct {
	digest   digest.Digest
	size     int64
	notFound bool
}

// GetBlob sends GET /v2/<name>/blobs/<dgst> (the get-blob step) on a call
// of its own and streams the body to w (nil discards it) through a hash of
// dgst's algorithm: the blob is never held in memory. The registry must
// answer 200 (a redirect is followed); a Docker-Content-Digest, when
// present, must be dgst; the body must have digest dgst and, when the
// answer has a Content-Length, that length (at most MaxUnsizedBlob bytes
// are read otherwise). A mismatch is a *ResponseError naming the blob,
// with the digest got and wanted:
//
//	GET /v2/ns/repo/blobs/sha256:aa… = 200, body digest sha256:bb…, want sha256:aa… (get-blob)
//
// The default scope is repository:<name>:pull. Headers.RemoteAddr applies.
// When the call's expected failure is met, GetBlob returns nil, nil.
func (c *Client) GetBlob(ctx context.Context, name string, dgst digest.Digest, w io.Writer, opts ...CallOption) (info *BlobInfo, err error) {
	cl := c.newCall("GetBlob", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			info = nil
		}
	}()
	if err := checkBlobDigest("GetBlob", dgst); err != nil {
		return nil, err
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return nil, err
	}
	info, stop, err := c.fetchBlob(ctx, cl, name, blobFetch{digest: dgst, size: -1}, w)
	if err != nil || stop {
		return nil, err
	}
	return info, nil
}

// HeadBlob sends HEAD /v2/<name>/blobs/<dgst> (the head-blob step) on a
// call of its own. The registry must answer 200; a Docker-Content-Digest,
// when present, must be dgst. It returns the headers; whether they are
// present (Content-Length, Docker-Content-Digest) is the caller's to judge.
// The default scope is repository:<name>:pull. When the call's expected
// failure is met, HeadBlob returns nil, nil.
func (c *Client) HeadBlob(ctx context.Context, name string, dgst digest.Digest, opts ...CallOption) (info *BlobInfo, err error) {
	cl := c.newCall("HeadBlob", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			info = nil
		}
	}()
	if err := checkBlobDigest("HeadBlob", dgst); err != nil {
		return nil, err
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return nil, err
	}
	req, err := c.newRequest(ctx, http.MethodHead, "/v2/"+name+"/blobs/"+string(dgst), nil)
	if err != nil {
		return nil, err
	}
	cl.setRemoteAddr(req)
	resp, stop, err := c.exchange(ctx, cl, failures.HeadBlob, req)
	if err != nil || stop {
		return nil, err
	}
	drain(resp.Body)
	info = &BlobInfo{Digest: digest.Digest(resp.Header.Get("Docker-Content-Digest")), Size: resp.ContentLength,
		ContentType: resp.Header.Get("Content-Type")}
	// "The Docker-Content-Digest header, if present on the response,
	// returns the canonical digest of the uploaded blob which MAY differ
	// from the provided digest. If the digest does differ, it MAY be the
	// case that the hashing algorithms used do not match." A HEAD has no
	// body to hash: a digest in another algorithm is taken as it is.
	if info.Digest != "" && info.Digest != dgst && !otherAlgorithm(info.Digest, dgst) {
		return nil, c.responseError(cl, failures.HeadBlob, req, resp)("Docker-Content-Digest", strconv.Quote(clipText(string(info.Digest))), string(dgst))
	}
	return info, nil
}

// otherAlgorithm reports whether got is a valid digest of another
// algorithm than want's, one this program can compute.
func otherAlgorithm(got, want digest.Digest) bool {
	return got.Validate() == nil && got.Algorithm() != want.Algorithm() && got.Algorithm().Available()
}

// checkBlobDigest checks a digest a caller asks a blob method for.
func checkBlobDigest(fn string, d digest.Digest) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("v2proto: %s(%q): %v", fn, d, err)
	}
	return nil
}

// fetchBlob runs one get-blob exchange for f and checks the answer: 200
// with f's bytes, streamed to w (nil discards them) through a hash, or,
// for a foreign layer, 404 (nil info) as well.
func (c *Client) fetchBlob(ctx context.Context, cl *call, name string, f blobFetch, w io.Writer) (*BlobInfo, bool, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/v2/"+name+"/blobs/"+string(f.digest), nil)
	if err != nil {
		return nil, false, err
	}
	cl.setRemoteAddr(req)
	var also []int
	if f.notFound {
		// A foreign layer was never uploaded: the registry answers 404,
		// or serves it (the image spec's urls "specifies a list of URIs
		// from which this object MAY be downloaded"; no sentence forbids
		// the registry to be one), and then its bytes are checked.
		also = []int{http.StatusNotFound}
	}
	resp, stop, err := c.exchange(ctx, cl, failures.GetBlob, req, also...)
	if err != nil || stop {
		return nil, stop, err
	}
	if resp.StatusCode == http.StatusNotFound {
		drain(resp.Body)
		return nil, false, nil
	}
	defer resp.Body.Close()
	info, err := c.readBlob(cl, failures.GetBlob, req, resp, f.digest, f.size, w)
	return info, false, err
}

// readBlob reads the body of resp, a 200 answer to req for blob dgst of
// size bytes (-1: unknown), into w through a hash, and checks it.
func (c *Client) readBlob(cl *call, step failures.Step, req *http.Request, resp *http.Response, dgst digest.Digest, size int64, w io.Writer) (*BlobInfo, error) {
	rerr := c.responseError(cl, step, req, resp)
	// "If present, the value of this header MUST be a digest matching
	// that of the response body." (Pulling blobs): the header may be
	// absent, or name the body in another algorithm, hashed too.
	var also hash.Hash
	header := digest.Digest(resp.Header.Get("Docker-Content-Digest"))
	if header != "" && header != dgst {
		if !otherAlgorithm(header, dgst) {
			return nil, rerr("Docker-Content-Digest", strconv.Quote(clipText(string(header))), string(dgst))
		}
		also = header.Algorithm().Hash()
	}
	limit := int64(MaxUnsizedBlob)
	switch {
	case size >= 0 && resp.ContentLength >= 0 && resp.ContentLength != size:
		return nil, rerr("Content-Length", fmt.Sprint(resp.ContentLength), fmt.Sprint(size))
	case size >= 0:
		limit = size
	case resp.ContentLength >= 0:
		limit = resp.ContentLength
	}
	if !dgst.Algorithm().Available() {
		return nil, fmt.Errorf("v2proto: blob %s: digest algorithm %q is not available", dgst, dgst.Algorithm())
	}
	h := dgst.Algorithm().Hash()
	dst := &errWriter{w: h}
	if w != nil || also != nil {
		ws := []io.Writer{h}
		if also != nil {
			ws = append(ws, also)
		}
		if w != nil {
			ws = append(ws, w)
		}
		dst.w = io.MultiWriter(ws...)
	}
	buf := blobBuffers.Get().(*[]byte)
	n, err := io.CopyBuffer(dst, io.LimitReader(resp.Body, limit+1), *buf)
	blobBuffers.Put(buf)
	switch {
	case dst.err != nil:
		return nil, fmt.Errorf("v2proto: blob %s: writing: %w", dgst, dst.err)
	case err != nil:
		return nil, c.readError(cl, step, req, err)
	case n > limit && size >= 0:
		return nil, rerr("body", fmt.Sprintf("more than %d bytes", size), fmt.Sprintf("%d bytes", size))
	case n > limit:
		return nil, rerr("body", fmt.Sprintf("more than %d bytes", limit), fmt.Sprintf("at most %d bytes (MaxUnsizedBlob)", limit))
	case size >= 0 && n != size:
		return nil, rerr("body", fmt.Sprintf("%d bytes", n), fmt.Sprintf("%d bytes", size))
	}
	got := digest.NewDigest(dgst.Algorithm(), h)
	if got != dgst {
		return nil, rerr("body digest", string(got), string(dgst))
	}
	if also != nil {
		if d := digest.NewDigest(header.Algorithm(), also); d != header {
			return nil, rerr("Docker-Content-Digest", strconv.Quote(string(header)), string(d)+" (the body's)")
		}
	}
	return &BlobInfo{Digest: got, Size: n, ContentType: resp.Header.Get("Content-Type")}, nil
}

// errWriter records the first error of w, so that a failing destination
// is told apart from a failing body.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// fork returns a copy of cl for a goroutine of the call: exchange writes
// the call's state (satisfied, secrets), so concurrent exchanges each get
// their own, merged back by the caller.
func (cl *call) fork() *call {
	f := *cl
	f.secrets = slices.Clone(cl.secrets)
	return &f
}

// errStop ends the blob GETs of a pull when one met the expected failure.
var errStop = errors.New("v2proto: expected failure met")

// fetchBlobs runs the GETs of fetches, at most the call's blob concurrency
// at once, and returns the info of each (nil for a 404). It stops at the
// first error, or when one GET meets the call's expected failure (stop).
func (c *Client) fetchBlobs(ctx context.Context, cl *call, name string, fetches []blobFetch) ([]*BlobInfo, bool, error) {
	limit := cl.concurrencyLimit()
	infos := make([]*BlobInfo, len(fetches))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i, f := range fetches {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			info, stop, err := c.fetchBlob(gctx, cl.fork(), name, f, nil)
			if err != nil {
				return err
			}
			if stop {
				return errStop
			}
			infos[i] = info
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if errors.Is(err, errStop) {
			cl.satisfied = true
			return nil, true, nil
		}
		return nil, false, err
	}
	return infos, false, nil
}
