package v2proto

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
)

// A Blob is content a push uploads: its digest, its size, and a way to
// read it from the start. *fixtures.Layer is a Blob. Open may be called
// several times (once per request that carries the blob, and once per
// chunk); each reader must yield the same Size bytes. A reader that also
// implements io.ReaderAt or io.Seeker lets chunks start where they start
// without reading what comes before. An Open that returns an *os.File lets
// the client choose how the file reaches the socket: sendfile, or a copy
// through user space that a registry on the same machine reads faster
// (see WithSendfile). Blobs are streamed, never held whole by the client.
//
// A Blob whose Digest or Size does not match its bytes is how a test makes
// the registry refuse an upload (a wrong digest at finish-upload).
type Blob interface {
	Digest() digest.Digest
	Size() int64
	Open() (io.ReadCloser, error)
}

// BytesBlob returns the Blob of b: its Digest is the canonical (sha256)
// digest of b, its Size len(b), and each Open a new reader of b from its
// start that also implements io.ReaderAt and io.Seeker (so that chunks
// start where they start). b is not copied: it must not change while the
// Blob is in use.
func BytesBlob(b []byte) Blob { return newBytesBlob(b) }

// FileBlob returns the Blob of the file at path: FileBlob reads the file
// once to hash it (canonical digest, sha256) and take its size; each Open
// then opens the file again and returns the *os.File itself, positioned at
// its start, so that an upload may hand it to the kernel (see
// WithSendfile). The file must not change while the Blob is in use; a
// file that no longer has the digest and size FileBlob measured is
// uploaded as it is now, and the registry refuses it at finish-upload (or
// the client's own check after the upload does). The error is that of
// opening or reading the file.
func FileBlob(path string) (Blob, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dg := digest.Canonical.Digester()
	n, err := io.Copy(dg.Hash(), f)
	if err != nil {
		return nil, fmt.Errorf("v2proto.FileBlob(%q): %v", path, err)
	}
	return &fileBlob{path: path, d: dg.Digest(), size: n}, nil
}

// fileBlob is the Blob FileBlob returns.
type fileBlob struct {
	path string
	d    digest.Digest
	size int64
}

func (f *fileBlob) Digest() digest.Digest        { return f.d }
func (f *fileBlob) Size() int64                  { return f.size }
func (f *fileBlob) Open() (io.ReadCloser, error) { return os.Open(f.path) }

// An UploadStyle is how a blob's bytes are sent to the registry.
type UploadStyle int

// The upload styles.
const (
	// UploadPatch: POST /v2/<name>/blobs/uploads/ (start-upload, 202), one
	// PATCH of the whole blob without Content-Range (upload-chunk, 202),
	// then PUT ?digest= without a body (finish-upload, 201). It is the
	// default, as Quay's client and docker push do.
	UploadPatch UploadStyle = iota
	// UploadPostPut: POST (start-upload, 202), then PUT ?digest= with the
	// whole blob (finish-upload, 201): the spec's monolithic upload in two
	// requests.
	UploadPostPut
	// UploadPostDigest: one POST ?digest= with the whole blob
	// (start-upload, 201). A registry that answers 202 instead ignored the
	// body and opened a session: the blob is then finished with a PUT
	// ?digest= carrying it, and BlobResult.PostDigestUnsupported is set.
	UploadPostDigest
	// UploadChunked: POST (start-upload, 202), one PATCH per chunk with
	// Content-Range (upload-chunk, 202), each followed by a GET of the
	// session (upload-status, 204), then PUT ?digest= (finish-upload,
	// 201). Upload.Chunks and Upload.ChunkSize choose the chunks; without them
	// the chunks are DefaultChunkSize bytes.
	UploadChunked
)

// DefaultChunkSize is the chunk length of UploadChunked without
// Upload.Chunks or Upload.ChunkSize (raised to the registry's
// OCI-Chunk-Min-Length when that is larger).
const DefaultChunkSize = 1 << 20

// String returns "patch", "post-put", "post-digest" or "chunked".
func (s UploadStyle) String() string {
	switch s {
	case UploadPatch:
		return "patch"
	case UploadPostPut:
		return "post-put"
	case UploadPostDigest:
		return "post-digest"
	case UploadChunked:
		return "chunked"
	}
	return "UploadStyle(" + strconv.Itoa(int(s)) + ")"
}

// ChunkToEnd as a Chunk's End stands for the blob's size, so that one chunk
// list fits blobs of any size.
const ChunkToEnd = -1

// A Chunk is a slice [Start, End) of a blob sent as one PATCH with
// Content-Range "Start-(End-1)" (the spec's inclusive form; Quay's client
// sent the exclusive End). End may be ChunkToEnd. Status is the status the
// PATCH must answer; 0 means 202 (accepted). A chunk with another Status
// (Quay's (start, end, code) tuples, such as a 416 for a chunk that leaves
// a gap) is one the registry must refuse: the upload then checks that the
// session is unchanged (upload-status) and goes on with the next chunk.
// When the chunks leave bytes of the blob unsent, the upload stops before
// finishing (BlobResult.Finished is false), as Quay's did after a 416.
type Chunk struct {
	Start, End int64
	Status     int
}

// A ChunkResult is what one chunk's exchanges answered.
type ChunkResult struct {
	// Start and End are the chunk's slice, End resolved.
	Start, End int64
	// Status is the status the PATCH (or the finishing PUT, for a last
	// chunk sent with it) answered.
	Status int
	// Range is the PATCH answer's Range header; StatusRange the Range of
	// the upload-status answer that followed ("" when none was made).
	Range, StatusRange string
}

// A BlobResult is what the upload of one blob did and learnt.
type BlobResult struct {
	// Digest and Size are the blob's.
	Digest digest.Digest
	Size   int64
	// Style is the style the bytes were sent in (when they were sent).
	Style UploadStyle
	// Skipped reports that the HEAD before the upload (blob-head-check)
	// answered 200: the blob was already in the repository, so it was
	// neither uploaded nor mounted, as real clients do (Finished is true).
	// Only with BlobChecks.Head HeadSkipPresent, the default.
	Skipped bool
	// Mounted reports that a mount answered 201: the blob was not
	// uploaded.
	Mounted bool
	// MountFallback reports that a mount answered 202 and the blob was
	// uploaded through the session it offered. MountRefused reports that
	// this 202 met the call's expected failure (unauthorized-for-mount).
	MountFallback, MountRefused bool
	// PostDigestUnsupported reports that a POST ?digest= with the blob
	// answered 202 (the registry ignored the body) and the blob was
	// finished with a PUT.
	PostDigestUnsupported bool
	// UploadUUID is the Docker-Upload-UUID of the upload session.
	UploadUUID string
	// ChunkMinLength is the OCI-Chunk-Min-Length the registry announced
	// when it opened the session, 0 for none.
	ChunkMinLength int64
	// Chunks are the chunks of an UploadChunked upload, as sent.
	Chunks []ChunkResult
	// Location is the blob's URL (absolute) from the finish-upload or
	// mount answer (or the start-upload answer of a POST ?digest= that
	// answered 201). It is "" for a skipped blob, and when that answer
	// had no Location (see Tolerated).
	Location string
	// Tolerated are the requirements the registry's answers broke that
	// the upload went past, because going on needed no guess, each as the
	// *ResponseError a strict check returns (Step, Status, What, Got,
	// Want). The flow does not fail on them: the scenario that owns the
	// requirement checks this field. Today one kind: a 201 without
	// Location at finish-upload, at start-upload (POST ?digest=) or at
	// mount-blob (What "Location", Got `""`), where the spec says the
	// answer "MUST have the following header: Location: <blob-location>";
	// the client knows the digest it pushed and the blob's canonical URL.
	// A Location that is there but wrong (not a URL, an http URL from an
	// https registry) is still an error.
	Tolerated []*ResponseError
	// Finished reports that the blob is in the repository (uploaded or
	// mounted, and verified). It is false when the upload was canceled
	// (Canceled) or its chunks left bytes unsent.
	Finished bool
	Canceled bool
}

// A BlobError reports the failed upload of one blob: Digest names it, Err
// is the exchange that failed (a *StatusError, *ResponseError,
// *RequestError, ...) or the client-side problem. Its message is
//
//	blob sha256:…: PATCH /v2/ns/repo/blobs/uploads/… = 416 RANGE_INVALID, want 202 (upload-chunk)
type BlobError struct {
	Digest digest.Digest
	Err    error
}

// Error returns the message in the form shown in the type's comment.
func (e *BlobError) Error() string { return "blob " + string(e.Digest) + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *BlobError) Unwrap() error { return e.Err }

// A ChunkMinLengthError reports chunks that break the registry's
// OCI-Chunk-Min-Length: every chunk but the last must be at least Min
// bytes. The conformance suite skips such a fixed chunk list. Its message
// is
//
//	chunks[0] = [0,100) of 100 bytes, want at least 1024 (OCI-Chunk-Min-Length)
type ChunkMinLengthError struct {
	Chunk      int
	Start, End int64
	Min        int64
}

// Error returns the message in the form shown in the type's comment.
func (e *ChunkMinLengthError) Error() string {
	return fmt.Sprintf("chunks[%d] = [%d,%d) of %d bytes, want at least %d (OCI-Chunk-Min-Length)",
		e.Chunk, e.Start, e.End, e.End-e.Start, e.Min)
}

// PushBlob uploads blob to the repository name ("ns/repo", of any depth)
// and checks every answer:
//
//  1. HEAD /v2/<name>/blobs/<digest> (blob-head-check): 404 (absent) or
//     200 (present: the blob is skipped, BlobResult.Skipped, and PushBlob
//     returns), as real clients do (BlobChecks.Head HeadSkipPresent).
//     HeadWantAbsent makes only 404 do; HeadNone leaves the step out; a
//     blob Upload.Mounts names skips it unless HeadWantAbsent;
//  2. for a blob Upload.Mounts names, POST ?mount=&from= (mount-blob): 201
//     completes it, 202 offers a session to upload through;
//  3. otherwise POST /v2/<name>/blobs/uploads/ (start-upload): 202 with
//     Location (or 201 for UploadPostDigest);
//  4. the bytes in the call's UploadStyle; every request goes to the
//     Location of the latest answer (relative or absolute), PATCH answers
//     must carry Location and the Range of the bytes received
//     ("0-<last byte>"), and upload-status answers (204) the same Range;
//  5. PUT <Location>?digest= (finish-upload): 201 with Location;
//  6. HEAD of the blob (head-blob): 200;
//  7. GET of the blob (get-blob), unless BlobChecks.SkipGet: 200, and the
//     content, read as a stream and hashed, must have the digest and size.
//
// What the spec makes OPTIONAL is checked only when present, and a wrong
// value is an error: Docker-Upload-UUID (every answer of the session must
// repeat the first one's), Docker-Content-Digest (at every step, it must
// name the blob, in its algorithm or in another one, checked by hashing
// the blob), and the Content-Length of HEAD answers (the size). A 201
// without Location (steps 2, 3 and 5) is recorded in BlobResult.Tolerated
// and the upload goes on; see there.
//
// Bodies stream from blob.Open with their Content-Length set.
// Upload.Cancel replaces steps 5 to 7 by the cancel checks. The token
// asks for repository:<name>:push,pull (and delete with Upload.Cancel,
// and pull on mount sources) unless WithScopes.
//
// When the call's expected failure is met at a step, PushBlob returns nil,
// nil (except a 202 at mount-blob, which goes on through the offered
// session and returns the result). Errors are *BlobError wrapping the
// failed exchange's error.
func (c *Client) PushBlob(ctx context.Context, name string, blob Blob, opts ...CallOption) (res *BlobResult, err error) {
	cl := c.newCall("PushBlob", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	if blob == nil {
		return nil, fmt.Errorf("v2proto.PushBlob: nil blob")
	}
	if stop, err := c.begin(ctx, cl, pushScopes(cl, name)); err != nil || stop {
		return nil, err
	}
	res, stop, err := c.uploadBlob(ctx, cl, name, blob)
	if err != nil || stop {
		return nil, err
	}
	return res, nil
}

// PushBlobs uploads the distinct blobs of blobs (by digest; the first of
// each digest) as PushBlob does, up to Limits.Concurrency at once (one
// at a time when the call expects a failure), and returns their results
// in the order of first appearance (a blob the HEAD found is among them,
// Skipped). It stops at the first error, which it returns; it returns nil,
// nil when the call's expected failure is met.
func (c *Client) PushBlobs(ctx context.Context, name string, blobs []Blob, opts ...CallOption) (res []*BlobResult, err error) {
	cl := c.newCall("PushBlobs", opts)
	defer func() {
		if err = cl.end(c, err); err != nil {
			res = nil
		}
	}()
	for i, b := range blobs {
		if b == nil {
			return nil, fmt.Errorf("v2proto.PushBlobs: blobs[%d] is nil", i)
		}
	}
	if stop, err := c.begin(ctx, cl, pushScopes(cl, name)); err != nil || stop {
		return nil, err
	}
	res, stop, err := c.uploadBlobs(ctx, cl, name, blobs)
	if err != nil || stop {
		return nil, err
	}
	return res, nil
}

// pushScopes returns the default scopes of a push to name: push and pull
// on it (and delete, to cancel uploads: distribution requires it for the
// DELETE), and pull on every mount source.
func pushScopes(cl *call, name string) []string {
	actions := "push,pull"
	if cl.push.cancel {
		actions += ",delete"
	}
	scopes := []string{"repository:" + name + ":" + actions}
	seen := map[string]bool{name: true}
	for _, from := range sortedMountSources(cl.push.mounts) {
		if !seen[from] {
			seen[from] = true
			scopes = append(scopes, "repository:"+from+":pull")
		}
	}
	return scopes
}

func sortedMountSources(m map[digest.Digest]string) []string {
	var s []string
	for _, from := range m {
		if from != "" {
			s = append(s, from)
		}
	}
	// A deterministic order, for the token cache and logs.
	slices.Sort(s)
	return s
}

// pushRequest returns a request of a push flow: newRequest with the
// call's Accept and remote-address headers, and, for a body, its
// Content-Type and Content-Length (so that net/http sends it whole, not
// chunked). A nil body with size 0 sends none.
func (c *Client) pushRequest(ctx context.Context, cl *call, method, ref string, body io.Reader, size int64, contentType string) (*http.Request, error) {
	req, err := c.newRequest(ctx, method, ref, nil)
	if err != nil {
		return nil, err
	}
	if body != nil {
		rc, ok := body.(io.ReadCloser)
		if !ok {
			rc = io.NopCloser(body)
		}
		req.Body = rc
		req.ContentLength = size
		if size == 0 {
			rc.Close()
			req.Body = http.NoBody
		}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	setAccept(req, cl.accept, cl.acceptSet)
	cl.setRemoteAddr(req)
	return req, nil
}

// wantHeader checks that resp's header key is want.
func (c *Client) wantHeader(cl *call, step failures.Step, resp *http.Response, key, want string) error {
	if got := resp.Header.Get(key); got != want {
		return c.respError(cl, step, resp.Request, resp, key, strconv.Quote(got), strconv.Quote(want))
	}
	return nil
}

// withDigest returns u with digest=d added to its query, the rest of
// which (distribution's _state) is kept byte for byte.
func withDigest(u *url.URL, d digest.Digest) *url.URL {
	v := *u
	if v.RawQuery != "" {
		v.RawQuery += "&"
	}
	v.RawQuery += "digest=" + url.QueryEscape(string(d))
	v.ForceQuery = false
	return &v
}

// rangeOK reports whether an upload's Range header says it received n
// bytes: "0-<n-1>". With nothing received registries answer "0-0"
// (distribution), "0--1" (Quay) or nothing.
func rangeOK(got string, n int64) bool {
	if n == 0 {
		return got == "" || got == "0-0" || got == "0--1" || got == "bytes=0-0" || got == "bytes=0--1"
	}
	return got == fmt.Sprintf("0-%d", n-1)
}

func wantRange(n int64) string {
	if n == 0 {
		return `"0-0" or none`
	}
	return strconv.Quote(fmt.Sprintf("0-%d", n-1))
}

// openRange returns a reader of the n bytes of b from off.
func openRange(b Blob, off, n int64) (io.ReadCloser, error) {
	rc, err := b.Open()
	if err != nil {
		return nil, err
	}
	if off == 0 {
		return readCloser{io.LimitReader(rc, n), rc}, nil
	}
	if ra, ok := rc.(io.ReaderAt); ok {
		return readCloser{io.NewSectionReader(ra, off, n), rc}, nil
	}
	if s, ok := rc.(io.Seeker); ok {
		if _, err := s.Seek(off, io.SeekStart); err == nil {
			return readCloser{io.LimitReader(rc, n), rc}, nil
		}
	}
	if _, err := io.CopyN(io.Discard, rc, off); err != nil {
		rc.Close()
		return nil, fmt.Errorf("reading up to byte %d: %v", off, err)
	}
	return readCloser{io.LimitReader(rc, n), rc}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
