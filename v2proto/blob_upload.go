package v2proto

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"

	"github.com/registrytest/registrytest/failures"
)

const octetStream = "application/octet-stream"

// uploadBlobs uploads the distinct blobs of blobs, concurrently unless the
// call expects a failure. stop reports the expected failure met.
func (c *Client) uploadBlobs(ctx context.Context, cl *call, name string, blobs []Blob) ([]*BlobResult, bool, error) {
	var distinct []Blob
	seen := map[digest.Digest]bool{}
	for _, b := range blobs {
		if d := b.Digest(); !seen[d] {
			seen[d] = true
			distinct = append(distinct, b)
		}
	}
	results := make([]*BlobResult, len(distinct))
	if cl.expecting() || len(distinct) < 2 {
		// One at a time, in order: the first step that shows the expected
		// failure ends the call, as in Quay's sequential client.
		for i, b := range distinct {
			res, stop, err := c.uploadBlob(ctx, cl, name, b)
			if err != nil || stop {
				return nil, stop, err
			}
			results[i] = res
		}
		return results, false, nil
	}
	n := cl.concurrencyLimit()
	// The call's large blobs count as in flight for the whole call when
	// they go several at a time, so that none of them is copied through
	// user space (see WithSendfile); each one counts itself in uploadBlob.
	if large := largeBlobs(distinct); n > 1 && large > 1 {
		largeUploads.Add(large)
		defer largeUploads.Add(-large)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	// Each upload runs on a copy of the call (its secrets grow as answers
	// come), joined back once all are done.
	subs := make([]*call, len(distinct))
	for i, b := range distinct {
		subs[i] = cl.uploadFork()
		g.Go(func() error {
			res, _, err := c.uploadBlob(gctx, subs[i], name, b)
			results[i] = res
			return err
		})
	}
	err := g.Wait()
	for _, s := range subs {
		cl.uploadJoin(s)
	}
	if err != nil {
		return nil, false, err
	}
	return results, false, nil
}

// uploadFork returns a copy of cl for one of concurrent uploads. It is
// only used when cl expects no failure, so that no fork can meet one.
func (cl *call) uploadFork() *call {
	sub := *cl
	sub.secrets = slices.Clone(cl.secrets)
	return &sub
}

// uploadJoin adds what sub learnt (secrets) to cl.
func (cl *call) uploadJoin(sub *call) {
	for _, s := range sub.secrets {
		cl.addSecret(s)
	}
	cl.satisfied = cl.satisfied || sub.satisfied
}

// blobUpload is the state of one blob's upload.
type blobUpload struct {
	c    *Client
	cl   *call
	name string
	blob Blob
	d    digest.Digest
	size int64
	res  *BlobResult
	loc  *url.URL // the session's latest Location
}

// uploadBlob runs the steps of PushBlob for one blob on the call cl.
func (c *Client) uploadBlob(ctx context.Context, cl *call, name string, b Blob) (*BlobResult, bool, error) {
	d, size := b.Digest(), b.Size()
	if size >= largeBlob {
		largeUploads.Add(1)
		defer largeUploads.Add(-1)
	}
	u := &blobUpload{c: c, cl: cl, name: name, blob: b, d: d, size: size,
		res: &BlobResult{Digest: d, Size: size, Style: cl.push.style}}
	stop, err := u.run(ctx)
	if err != nil {
		return nil, false, &BlobError{Digest: d, Err: err}
	}
	if stop {
		return nil, true, nil
	}
	return u.res, false, nil
}

func (u *blobUpload) blobPath() string { return "/v2/" + u.name + "/blobs/" + string(u.d) }

func (u *blobUpload) run(ctx context.Context) (stop bool, err error) {
	c, cl := u.c, u.cl
	if err := u.d.Validate(); err != nil {
		return false, fmt.Errorf("Digest() = %q, want a digest: %v", u.d, err)
	}
	if u.size < 0 {
		return false, fmt.Errorf("Size() = %d, want >= 0", u.size)
	}
	if u.res.Style < UploadPatch || u.res.Style > UploadChunked {
		return false, fmt.Errorf("unknown upload style %v", u.res.Style)
	}
	if len(cl.push.chunks) > 0 || cl.push.chunkSize > 0 {
		u.res.Style = UploadChunked
	}

	from, mount := cl.push.mounts[u.d]
	if cl.push.head != HeadNone && (cl.push.head == HeadWantAbsent || !mount) {
		present, stop, err := u.headCheck(ctx)
		if err != nil || stop {
			return stop, err
		}
		if present {
			u.res.Skipped, u.res.Finished = true, true
			return false, nil
		}
	}

	var resp *http.Response
	if mount {
		q := "mount=" + url.QueryEscape(string(u.d))
		if from != "" {
			q += "&from=" + url.QueryEscape(from)
		}
		req, err := c.pushRequest(ctx, cl, http.MethodPost, "/v2/"+u.name+"/blobs/uploads/?"+q, nil, 0, "")
		if err != nil {
			return false, err
		}
		resp, stop, err = c.exchange(ctx, cl, failures.MountBlob, req, http.StatusAccepted)
		if err != nil {
			return false, err
		}
		if stop && resp.StatusCode != http.StatusAccepted {
			return true, nil
		}
		drain(resp.Body)
		if resp.StatusCode == http.StatusCreated {
			// "The Docker-Content-Digest header returns the canonical
			// digest of the uploaded blob which MAY differ from the
			// provided digest." (Mounting a blob), and "These headers are
			// OPTIONAL and clients SHOULD NOT depend on them." (Legacy
			// Docker support HTTP headers): checked when present.
			if err := u.checkDigestHeader(failures.MountBlob, resp); err != nil {
				return false, err
			}
			// "The response to a successful mount MUST be 201 Created,
			// and MUST contain the following header: Location".
			if err := u.completedAt(failures.MountBlob, resp); err != nil {
				return false, err
			}
			u.res.Mounted = true
			return u.verify(ctx)
		}
		// 202: a session to upload through (Quay's refused mount when it
		// met unauthorized-for-mount).
		u.res.MountFallback, u.res.MountRefused = true, stop
		stop = false
		if err := u.session(resp, failures.MountBlob); err != nil {
			return false, err
		}
		if u.res.Style == UploadPostDigest {
			u.res.Style = UploadPostPut
		}
	} else {
		var done bool
		done, stop, err = u.start(ctx)
		if err != nil || stop {
			return stop, err
		}
		if done {
			return u.verify(ctx)
		}
	}

	// The bytes.
	var putBody func() (io.ReadCloser, int64, string, error) // body of the PUT
	complete := true
	switch u.res.Style {
	case UploadPatch:
		if stop, err := u.patchWhole(ctx); err != nil || stop {
			return stop, err
		}
	case UploadPostPut, UploadPostDigest:
		putBody = func() (io.ReadCloser, int64, string, error) {
			rc, err := u.open()
			return rc, u.size, "", err
		}
	case UploadChunked:
		putBody, complete, stop, err = u.chunks(ctx)
		if err != nil || stop {
			return stop, err
		}
	}

	if cl.push.cancel {
		return u.cancel(ctx)
	}
	if !complete {
		// The chunks left bytes unsent: the upload stops here.
		return false, nil
	}
	return u.finish(ctx, putBody)
}

// headCheck runs the blob-head-check step before an upload and reports
// whether the blob is there. The HEAD may answer 200 (present) or 404
// (absent): "If the blob or manifest is not found in the repository, the
// response code MUST be 404 Not Found." (Checking if content exists in the
// registry). With HeadWantAbsent (WithBlobChecks) only 404 will do, and an error names the
// option. The headers of a 200 are checked when present: "A successful
// response SHOULD contain the digest of the uploaded blob in the header
// Docker-Content-Digest." and "A successful response SHOULD contain the
// size in bytes of the uploaded blob in the header Content-Length.": a
// wrong value is an error, an absent one is not.
func (u *blobUpload) headCheck(ctx context.Context) (present, stop bool, err error) {
	c, cl := u.c, u.cl
	req, err := c.pushRequest(ctx, cl, http.MethodHead, u.blobPath(), nil, 0, "")
	if err != nil {
		return false, false, err
	}
	var also []int
	if cl.push.head != HeadWantAbsent {
		also = []int{http.StatusOK}
	}
	resp, stop, err := c.exchange(ctx, cl, failures.BlobHeadCheck, req, also...)
	if err != nil {
		// Only this exchange's own answer: an error that wraps another's
		// (the cause of a canceled request is the first failed upload's
		// error) is not this step's, and is read by other uploads.
		if se, ok := err.(*StatusError); ok && cl.push.head == HeadWantAbsent && !se.Mapped && se.Failure == "" {
			se.Option = "BlobChecks.Head HeadWantAbsent"
		}
		return false, false, err
	}
	if stop {
		return false, true, nil
	}
	drain(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return false, false, nil
	}
	if err := u.checkDigestHeader(failures.BlobHeadCheck, resp); err != nil {
		return false, false, err
	}
	if err := u.checkLength(failures.BlobHeadCheck, resp); err != nil {
		return false, false, err
	}
	return true, false, nil
}

// headAbsent checks that the blob is not in the repository (after a
// canceled upload): HEAD (blob-head-check) must answer 404.
func (u *blobUpload) headAbsent(ctx context.Context) (bool, error) {
	req, err := u.c.pushRequest(ctx, u.cl, http.MethodHead, u.blobPath(), nil, 0, "")
	if err != nil {
		return false, err
	}
	resp, stop, err := u.c.exchange(ctx, u.cl, failures.BlobHeadCheck, req)
	if err != nil || stop {
		return stop, err
	}
	drain(resp.Body)
	return false, nil
}

// start runs the start-upload step: POST, or POST ?digest= with the body.
// done reports a blob completed by the POST itself.
func (u *blobUpload) start(ctx context.Context) (done, stop bool, err error) {
	c, cl := u.c, u.cl
	ref := "/v2/" + u.name + "/blobs/uploads/"
	var also []int
	var body io.ReadCloser
	ct := ""
	if u.res.Style == UploadPostDigest {
		ref += "?digest=" + url.QueryEscape(string(u.d))
		also = []int{http.StatusCreated}
		if body, err = u.open(); err != nil {
			return false, false, fmt.Errorf("Open: %v", err)
		}
		ct = octetStream
	}
	var rbody io.Reader
	if body != nil {
		rbody = body
	}
	req, err := c.pushRequest(ctx, cl, http.MethodPost, ref, rbody, u.size, ct)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return false, false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.StartUpload, req, also...)
	if err != nil || stop {
		return false, stop, err
	}
	drain(resp.Body)
	if resp.StatusCode == http.StatusCreated {
		// Docker-Content-Digest is OPTIONAL ("These headers are OPTIONAL
		// and clients SHOULD NOT depend on them."): checked when present.
		if err := u.checkDigestHeader(failures.StartUpload, resp); err != nil {
			return false, false, err
		}
		// "Successful completion of the request MUST return a 201
		// Created and MUST include the following header: Location:
		// <blob-location>" (Single POST).
		if err := u.completedAt(failures.StartUpload, resp); err != nil {
			return false, false, err
		}
		return true, false, nil
	}
	if u.res.Style == UploadPostDigest {
		u.res.PostDigestUnsupported = true
	}
	return false, false, u.session(resp, failures.StartUpload)
}

// session reads an answer that opened an upload session: its Location
// (required: "Upon success, the response MUST have a code of 202
// Accepted, and MUST include the following header: Location: <location>",
// POST then PUT), Docker-Upload-UUID and OCI-Chunk-Min-Length (each read
// when present).
func (u *blobUpload) session(resp *http.Response, step failures.Step) error {
	c, cl := u.c, u.cl
	loc, err := c.location(cl, step, resp)
	if err != nil {
		return err
	}
	u.loc = loc
	// Docker-Upload-UUID is not in the OCI spec, and of the Docker
	// headers it says "These headers are OPTIONAL and clients SHOULD NOT
	// depend on them." (Legacy Docker support HTTP headers): kept when
	// given, to check that later answers of the session name the same.
	u.res.UploadUUID = resp.Header.Get("Docker-Upload-UUID")
	if v := resp.Header.Get("OCI-Chunk-Min-Length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return c.respError(cl, step, resp.Request, resp, "OCI-Chunk-Min-Length", strconv.Quote(v), "a number of bytes")
		}
		u.res.ChunkMinLength = n
	}
	return nil
}

// next takes the Location of an answer in the session, when it has one,
// as the session's URL.
func (u *blobUpload) next(step failures.Step, resp *http.Response, required bool) error {
	if resp.Header.Get("Location") == "" && !required {
		return nil
	}
	loc, err := u.c.location(u.cl, step, resp)
	if err != nil {
		return err
	}
	u.loc = loc
	return nil
}

// checkUUID checks that an answer in the session names the session's
// Docker-Upload-UUID, when the registry gave one.
func (u *blobUpload) checkUUID(step failures.Step, resp *http.Response) error {
	if u.res.UploadUUID == "" {
		return nil
	}
	return u.c.wantHeader(u.cl, step, resp, "Docker-Upload-UUID", u.res.UploadUUID)
}

// patchWhole sends the whole blob in one PATCH without Content-Range.
func (u *blobUpload) patchWhole(ctx context.Context) (bool, error) {
	c, cl := u.c, u.cl
	body, err := u.open()
	if err != nil {
		return false, fmt.Errorf("Open: %v", err)
	}
	req, err := c.pushRequest(ctx, cl, http.MethodPatch, u.loc.String(), body, u.size, octetStream)
	if err != nil {
		body.Close()
		return false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.UploadChunk, req)
	if err != nil || stop {
		return stop, err
	}
	drain(resp.Body)
	if err := u.next(failures.UploadChunk, resp, true); err != nil {
		return false, err
	}
	if got := resp.Header.Get("Range"); !rangeOK(got, u.size) {
		return false, c.respError(cl, failures.UploadChunk, resp.Request, resp, "Range", strconv.Quote(got), wantRange(u.size))
	}
	return false, u.checkUUID(failures.UploadChunk, resp)
}

// resolveChunks returns the chunks of the upload, End resolved.
func (u *blobUpload) resolveChunks() ([]Chunk, error) {
	o := &u.cl.push
	min := u.res.ChunkMinLength
	if len(o.chunks) == 0 {
		n := o.chunkSize
		if n <= 0 {
			n = DefaultChunkSize
		}
		n = max(n, min)
		var cs []Chunk
		for off := int64(0); off < u.size; off += n {
			cs = append(cs, Chunk{Start: off, End: min64(off+n, u.size)})
		}
		if len(cs) == 0 {
			cs = []Chunk{{0, 0, 0}}
		}
		return cs, nil
	}
	cs := slices.Clone(o.chunks)
	for i := range cs {
		ch := &cs[i]
		if ch.End == ChunkToEnd {
			ch.End = u.size
		}
		if ch.Start < 0 || ch.End < ch.Start || ch.End > u.size {
			return nil, fmt.Errorf("chunks[%d] = [%d,%d), want a slice of the blob's %d bytes", i, ch.Start, ch.End, u.size)
		}
		if min > 0 && i < len(cs)-1 && ch.End-ch.Start < min {
			return nil, &ChunkMinLengthError{Chunk: i, Start: ch.Start, End: ch.End, Min: min}
		}
	}
	return cs, nil
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// chunks sends the chunks as PATCHes, each followed by an upload-status
// check. It returns the body of the finishing PUT (the last chunk, with
// Upload.LastChunkInPut) and whether every byte of the blob was sent.
func (u *blobUpload) chunks(ctx context.Context) (putBody func() (io.ReadCloser, int64, string, error), complete, stop bool, err error) {
	c, cl := u.c, u.cl
	cs, err := u.resolveChunks()
	if err != nil {
		return nil, false, false, err
	}
	var received int64 // the bytes the session holds
	patches := cs
	if cl.push.lastChunkInPut {
		patches = cs[:len(cs)-1]
	}
	for i, ch := range patches {
		body, err := openRange(u.blob, ch.Start, ch.End-ch.Start)
		if err != nil {
			return nil, false, false, fmt.Errorf("chunks[%d]: Open: %v", i, err)
		}
		req, err := c.pushRequest(ctx, cl, http.MethodPatch, u.loc.String(), body, ch.End-ch.Start, octetStream)
		if err != nil {
			body.Close()
			return nil, false, false, err
		}
		req.Header.Set("Content-Range", fmt.Sprintf("%d-%d", ch.Start, ch.End-1))
		want := ch.Status
		if want == 0 {
			want = http.StatusAccepted
		}
		resp, stop, err := c.exchangeWant(ctx, cl, failures.UploadChunk, req, want)
		if err != nil || stop {
			return nil, false, stop, chunkErr(i, ch, err)
		}
		drain(resp.Body)
		cr := ChunkResult{Start: ch.Start, End: ch.End, Status: resp.StatusCode, Range: resp.Header.Get("Range")}
		if want == http.StatusAccepted {
			if err := u.next(failures.UploadChunk, resp, true); err != nil {
				return nil, false, false, chunkErr(i, ch, err)
			}
			received = max(received, ch.End)
			if !rangeOK(cr.Range, received) {
				return nil, false, false, chunkErr(i, ch,
					c.respError(cl, failures.UploadChunk, resp.Request, resp, "Range", strconv.Quote(cr.Range), wantRange(received)))
			}
			if err := u.checkUUID(failures.UploadChunk, resp); err != nil {
				return nil, false, false, chunkErr(i, ch, err)
			}
		}
		// The session, which a refused chunk must leave as it was.
		cr.StatusRange, stop, err = u.status(ctx, received)
		u.res.Chunks = append(u.res.Chunks, cr)
		if err != nil || stop {
			if err != nil {
				err = fmt.Errorf("after chunks[%d] = [%d,%d): %w", i, ch.Start, ch.End, err)
			}
			return nil, false, stop, err
		}
	}
	if cl.push.lastChunkInPut {
		last := cs[len(cs)-1]
		putBody = func() (io.ReadCloser, int64, string, error) {
			rc, err := openRange(u.blob, last.Start, last.End-last.Start)
			return rc, last.End - last.Start, fmt.Sprintf("%d-%d", last.Start, last.End-1), err
		}
		u.res.Chunks = append(u.res.Chunks, ChunkResult{Start: last.Start, End: last.End})
		if last.Start <= received {
			received = max(received, last.End)
		}
	}
	return putBody, received == u.size, false, nil
}

func chunkErr(i int, ch Chunk, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("chunks[%d] = [%d,%d): %w", i, ch.Start, ch.End, err)
}

// status runs the upload-status step: 204 with the session's
// Docker-Upload-UUID and a Range of received bytes. It returns the Range.
func (u *blobUpload) status(ctx context.Context, received int64) (string, bool, error) {
	c, cl := u.c, u.cl
	req, err := c.pushRequest(ctx, cl, http.MethodGet, u.loc.String(), nil, 0, "")
	if err != nil {
		return "", false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.UploadStatus, req)
	if err != nil || stop {
		return "", stop, err
	}
	drain(resp.Body)
	got := resp.Header.Get("Range")
	if !rangeOK(got, received) {
		return got, false, c.respError(cl, failures.UploadStatus, resp.Request, resp, "Range", strconv.Quote(got), wantRange(received))
	}
	if err := u.checkUUID(failures.UploadStatus, resp); err != nil {
		return got, false, err
	}
	return got, false, u.next(failures.UploadStatus, resp, false)
}

// cancel deletes the session, and checks that it and the blob are gone.
func (u *blobUpload) cancel(ctx context.Context) (bool, error) {
	c, cl := u.c, u.cl
	req, err := c.pushRequest(ctx, cl, http.MethodDelete, u.loc.String(), nil, 0, "")
	if err != nil {
		return false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.CancelUpload, req)
	if err != nil || stop {
		return stop, err
	}
	drain(resp.Body)
	// The session must be gone: its status is 404.
	req, err = c.pushRequest(ctx, cl, http.MethodGet, u.loc.String(), nil, 0, "")
	if err != nil {
		return false, err
	}
	resp, stop, err = c.exchangeWant(ctx, cl, failures.UploadStatus, req, http.StatusNotFound)
	if err != nil || stop {
		if err != nil {
			err = fmt.Errorf("after cancel-upload: %w", err)
		}
		return stop, err
	}
	drain(resp.Body)
	if cl.push.head != HeadNone {
		if stop, err := u.headAbsent(ctx); err != nil || stop {
			if err != nil {
				err = fmt.Errorf("after cancel-upload: %w", err)
			}
			return stop, err
		}
	}
	u.res.Canceled = true
	return false, nil
}

// finish runs the finish-upload step and the checks after it.
func (u *blobUpload) finish(ctx context.Context, putBody func() (io.ReadCloser, int64, string, error)) (bool, error) {
	c, cl := u.c, u.cl
	var body io.ReadCloser
	var size int64
	var contentRange, ct string
	if putBody != nil {
		rc, n, cr, err := putBody()
		if err != nil {
			return false, fmt.Errorf("Open: %v", err)
		}
		body, size, contentRange, ct = rc, n, cr, octetStream
	}
	var rbody io.Reader
	if body != nil {
		rbody = body
	}
	req, err := c.pushRequest(ctx, cl, http.MethodPut, withDigest(u.loc, u.d).String(), rbody, size, ct)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return false, err
	}
	if contentRange != "" {
		req.Header.Set("Content-Range", contentRange)
	}
	resp, stop, err := c.exchange(ctx, cl, failures.FinishUpload, req)
	if err != nil || stop {
		return stop, err
	}
	drain(resp.Body)
	if contentRange != "" {
		u.res.Chunks[len(u.res.Chunks)-1].Status = resp.StatusCode
	}
	// The OCI spec does not name Docker-Content-Digest here, and says of
	// it "These headers are OPTIONAL and clients SHOULD NOT depend on
	// them." (Legacy Docker support HTTP headers): checked when present.
	if err := u.checkDigestHeader(failures.FinishUpload, resp); err != nil {
		return false, err
	}
	// "The response to a successful closing of the session MUST be 201
	// Created, and MUST contain the following header: Location:
	// <blob-location>" (and the same sentence for POST then PUT).
	if err := u.completedAt(failures.FinishUpload, resp); err != nil {
		return false, err
	}
	return u.verify(ctx)
}

// completedAt reads the Location of a 201 that completed the blob
// (finish-upload, start-upload of a POST ?digest=, mount-blob) into
// BlobResult.Location; an answer without one is recorded in
// BlobResult.Tolerated and the upload goes on (see completedLocation).
func (u *blobUpload) completedAt(step failures.Step, resp *http.Response) error {
	loc, err := u.c.completedLocation(u.cl, step, resp, "the blob's URL", &u.res.Tolerated)
	u.res.Location = loc
	return err
}

// checkDigestHeader checks the Docker-Content-Digest of an answer about
// the blob, when present: it must name the blob's content, in the blob's
// algorithm or in another one ("The Docker-Content-Digest header returns
// the canonical digest of the uploaded blob which MAY differ from the
// provided digest."), which is checked by hashing the blob.
func (u *blobUpload) checkDigestHeader(step failures.Step, resp *http.Response) error {
	got := resp.Header.Get("Docker-Content-Digest")
	if got == "" || sameContent(digest.Digest(got), u.d, u.blob.Open) {
		return nil
	}
	return u.c.respError(u.cl, step, resp.Request, resp, "Docker-Content-Digest", strconv.Quote(clipText(got)), strconv.Quote(string(u.d)))
}

// checkLength checks the Content-Length of a HEAD answer about the blob,
// when present: "A successful response SHOULD contain the size in bytes
// of the uploaded blob in the header Content-Length." (Checking if content
// exists in the registry).
func (u *blobUpload) checkLength(step failures.Step, resp *http.Response) error {
	got := resp.Header.Get("Content-Length")
	if got == "" && resp.ContentLength < 0 || got == strconv.FormatInt(u.size, 10) || resp.ContentLength == u.size {
		return nil
	}
	return u.c.respError(u.cl, step, resp.Request, resp, "Content-Length", strconv.Quote(got), strconv.Quote(strconv.FormatInt(u.size, 10)))
}

// sameContent reports whether got, a digest a registry sent, names the
// content whose digest is d: it is d, or a digest in another available
// algorithm of the bytes open reads.
func sameContent(got, d digest.Digest, open func() (io.ReadCloser, error)) bool {
	if got == d {
		return true
	}
	if !otherAlgorithm(got, d) {
		return false
	}
	rc, err := open()
	if err != nil {
		return false
	}
	defer rc.Close()
	v := got.Algorithm().Digester()
	if _, err := io.Copy(v.Hash(), rc); err != nil {
		return false
	}
	return v.Digest() == got
}

// verify checks the blob is in the repository: HEAD (head-blob) and,
// unless skipped, GET (get-blob) with its content hashed.
func (u *blobUpload) verify(ctx context.Context) (bool, error) {
	c, cl := u.c, u.cl
	req, err := c.pushRequest(ctx, cl, http.MethodHead, u.blobPath(), nil, 0, "")
	if err != nil {
		return false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.HeadBlob, req)
	if err != nil || stop {
		return stop, err
	}
	drain(resp.Body)
	// "A successful response SHOULD contain the digest of the uploaded
	// blob in the header Docker-Content-Digest." and "... SHOULD contain
	// the size in bytes of the uploaded blob in the header
	// Content-Length." (Checking if content exists in the registry):
	// checked when present.
	if err := u.checkDigestHeader(failures.HeadBlob, resp); err != nil {
		return false, err
	}
	if err := u.checkLength(failures.HeadBlob, resp); err != nil {
		return false, err
	}
	if !cl.push.skipBlobChecks {
		if stop, err := u.getBlob(ctx); err != nil || stop {
			return stop, err
		}
	}
	u.res.Finished = true
	return false, nil
}

// getBlob runs the get-blob step: the content is read as a stream, at most
// one byte past the size, and hashed.
func (u *blobUpload) getBlob(ctx context.Context) (bool, error) {
	c, cl := u.c, u.cl
	if !u.d.Algorithm().Available() {
		return false, fmt.Errorf("digest algorithm %q is not available to check the content", u.d.Algorithm())
	}
	req, err := c.pushRequest(ctx, cl, http.MethodGet, u.blobPath(), nil, 0, "")
	if err != nil {
		return false, err
	}
	resp, stop, err := c.exchange(ctx, cl, failures.GetBlob, req)
	if err != nil || stop {
		return stop, err
	}
	defer resp.Body.Close()
	_, err = c.readBlob(cl, failures.GetBlob, req, resp, u.d, u.size, nil)
	return false, err
}
