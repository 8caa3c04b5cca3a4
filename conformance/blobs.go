package conformance

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const (
	areaBlobs  = "Blob upload styles"
	areaCancel = "Cancel"
	areaReads  = "Blob reads incl. range"
)

// blobMediaType is the media type of the suite's raw blobs.
const blobMediaType = "application/octet-stream"

func blobScenarios() []Scenario {
	return []Scenario{
		{
			ID: "blob-stream-patch", Area: areaBlobs,
			Requires: []Requirement{reqDockerStreamUpload, reqFinishUpload201},
			Explain: "POST, one PATCH of the whole blob without Content-Range, PUT ?digest= without a body: POST 202, " +
				"PATCH 202 with Range 0-<n-1>, PUT 201 with Docker-Content-Digest, the PUT's Location reads back the same " +
				"bytes, HEAD/GET 200 (distribution-spec: pushing a blob in chunks, streamed)",
			Origin: "Q: every push (the PATCH path of _push_blobs); O: blobs/stream/*; L12, L13",
			Params: shaParams,
			Run:    func(e *Env) error { return e.uploadStyle(v2proto.UploadPatch) },
		},
		{
			ID: "blob-post-put", Area: areaBlobs,
			Requires: []Requirement{reqStartUpload202, reqFinishUpload201, reqBlobLocationPullable},
			Explain: "POST, then PUT ?digest= with the whole blob (application/octet-stream): POST 202 with a Location, " +
				"PUT 201, the Location reads back, HEAD/GET 200 (distribution-spec: monolithic upload, POST then PUT)",
			Origin: "O: blobs/post+put/*; L2, L4, L17-L21",
			Params: shaParams,
			Run:    func(e *Env) error { return e.uploadStyle(v2proto.UploadPostPut) },
		},
		{
			ID: "blob-post-digest", Area: areaBlobs,
			Requires: []Requirement{reqSinglePOST201, reqSinglePOSTFallback202, reqSinglePOSTMay},
			Explain: "one POST ?digest= with the blob: 201 with a Location that reads back the bytes; a 202 means the " +
				"registry ignored the body (allowed: the spec makes single-POST uploads optional), then reported as a skip",
			Origin: "O: blobs/post only/*; L15, L16",
			Needs:  []Capability{PostDigest},
			Params: shaParams,
			Run:    func(e *Env) error { return e.uploadStyle(v2proto.UploadPostDigest) },
		},
		{
			ID: "blob-well-known", Area: areaBlobs,
			Requires: []Requirement{reqFinishUpload201},
			Explain: "the 0-byte blob and the 2-byte {} upload (201), HEAD answers 200 with Content-Length 0 and 2, GET " +
				"the same bytes",
			Origin: "O: blobs/empty/*, blobs/emptyJSON/*",
			Params: crossParams(shaParams, []string{"empty", "empty-json"}),
			Run:    runBlobWellKnown,
		},
		{
			ID: "blob-bad-digest", Area: areaBlobs,
			Requires: []Requirement{reqEndpointsBlobPut, reqErrorBodyAnyFormat},
			Explain: "an upload finished with a digest its bytes do not have is refused with 400 or 404 (the endpoint's " +
				"failures; an error body with codes has a code of the spec, such as DIGEST_INVALID), in every upload style, " +
				"and HEAD of that digest answers 404 afterwards (distribution-spec: the digest parameter)",
			Origin: "O: blobs/bad digest {post only, post+put, chunked, chunked and put chunk, stream}/*",
			Params: crossParams(shaParams, []string{"post-only", "post-put", "chunked", "chunked-put", "stream"}),
			Run:    runBlobBadDigest,
		},
		{
			ID: "cancel-upload", Area: areaCancel,
			Requires: []Requirement{reqDockerCancelUpload, reqCancel204},
			Explain: "DELETE of an upload session, before any data or after one PATCH, answers 204; its status then " +
				"answers 404 (BLOB_UPLOAD_UNKNOWN) and the blob's HEAD 404 (distribution-spec: canceling an upload)",
			Origin: "Q: test_cancel_upload (the intended flow); O: blobs/post cancel/*",
			Needs:  []Capability{Cancel},
			Params: crossParams(shaParams, []string{"no-data", "after-patch"}),
			Run:    runCancelUpload,
		},
		{
			ID: "read-blob-missing", Area: areaReads,
			Requires: []Requirement{reqBlobMissing404, reqHeadMissing404},
			Explain: "HEAD and GET of a digest that was never uploaded answer 404 (an error body, which a 4xx MAY carry in " +
				"any format, is not checked)",
			Origin: "O: blobs/get-missing; L1, L3, L14",
			Params: shaParams,
			Run:    runReadBlobMissing,
		},
		{
			ID: "read-blob-other-repo", Area: areaReads,
			Requires: []Requirement{reqBlobNotInRepo404, reqHeadNotInRepo404},
			Explain: "a blob uploaded to repository A only: HEAD and GET of it in repository B (which holds another blob) " +
				"answer 404, as blobs belong to repositories (distribution-spec v1.1.1: pulling blobs, checking if " +
				"content exists)",
			Origin: "FINDINGS: a registry with one blob store for all repositories",
			Params: shaParams,
			Run:    runReadBlobOtherRepo,
		},
		{
			ID: "read-range", Area: areaReads,
			Requires: []Requirement{reqRangeShould},
			Explain: "GETs of a 2048-byte blob with Range bytes=500-1499, 500-, -500 and 2000-5000 answer 206 with the " +
				"Content-Range of the bytes served and exactly those bytes (RFC 9110 range requests); a 200 with the whole " +
				"blob means ranges are unsupported (reported as a skip)",
			Origin: "O: blobs/range requests/{range 500-1499, range 500-, range -500, range 2000-5000}",
			Needs:  []Capability{Range},
			Params: shaParams,
			Run:    runReadRange,
		},
		{
			ID: "read-range-invalid", Area: areaReads,
			Requires: []Requirement{reqRangeShould},
			Explain: "GETs with Range bytes=500-0 and bytes=5000-10000 of a 2048-byte blob answer 416, with a body (if " +
				"any) as long as its Content-Length (RFC 9110: 416 Range Not Satisfiable); the invalid bytes=500-0 may also " +
				"be ignored (200 with the whole blob)",
			Origin: "O: blobs/range requests/{range 500-0, range 5000-10000}",
			Needs:  []Capability{Range},
			Params: shaParams,
			Run:    runReadRangeInvalid,
		},
	}
}

// newBlob returns a fresh random blob of size bytes in algorithm alg,
// different for every scenario and parameter.
func (e *Env) newBlob(size int64, alg digest.Algorithm) *fixtures.Layer {
	return fixtures.RandomBlob(e.seed(), size, blobMediaType, fixtures.WithDigestAlgorithm(alg))
}

// uploadStyle uploads a fresh blob in style s and checks the result.
func (e *Env) uploadStyle(s v2proto.UploadStyle) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	blob := e.newBlob(3000, alg)
	res, err := e.pushBlob(repo, blob, v2proto.WithUpload(v2proto.Upload{Style: s}))
	if err != nil {
		return err
	}
	if s == v2proto.UploadPostDigest && res.PostDigestUnsupported {
		return e.Skip("POST /v2/%s/blobs/uploads/?digest= with the blob = 202: the registry ignored the body and opened a session (single-POST uploads unsupported)", repo)
	}
	return e.checkUploaded(repo, blob, res)
}

// pushBlob uploads blob to repo as the owner.
func (e *Env) pushBlob(repo string, blob v2proto.Blob, opts ...v2proto.CallOption) (*v2proto.BlobResult, error) {
	o, err := e.as(Owner, opts...)
	if err != nil {
		return nil, err
	}
	return e.client.PushBlob(e.Ctx, repo, blob, o...)
}

// checkUploaded checks an upload's result: the blob is finished, the
// Location of the finishing answer reads back its bytes.
func (e *Env) checkUploaded(repo string, blob v2proto.Blob, res *v2proto.BlobResult) error {
	if res == nil || !res.Finished {
		return e.Errorf("PushBlob(%s, %s): not finished", repo, blob.Digest())
	}
	return e.readBlobAt(repo, res.Location, blob.Digest(), blob.Size())
}

// checkStored checks the result of an upload the scenario makes on its
// way to what it checks: the blob is finished and reads back, at the
// Location of the finishing answer or, without one, at its URL (the
// Location is the requirement of the upload scenarios, reported there).
func (e *Env) checkStored(repo string, blob v2proto.Blob, res *v2proto.BlobResult) error {
	if res == nil || !res.Finished {
		return e.Errorf("PushBlob(%s, %s): not finished", repo, blob.Digest())
	}
	return e.readBlobAt(repo, cmp.Or(res.Location, "/v2/"+repo+"/blobs/"+string(blob.Digest())), blob.Digest(), blob.Size())
}

// readBlobAt GETs loc, the Location of blob d of size bytes, which must
// answer its bytes.
func (e *Env) readBlobAt(repo, loc string, d digest.Digest, size int64) error {
	if loc == "" {
		return e.Violates(reqFinishUpload201, e.Errorf("blob %s of %s: no Location, want the blob's URL", d, repo))
	}
	as, err := e.as(Owner, v2proto.WithScopes("repository:"+repo+":pull"))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(e.Ctx, http.MethodGet, loc, nil)
	if err != nil {
		return err
	}
	resp, err := e.client.Exchange(e.Ctx, failures.GetBlob, req, as...)
	if err != nil {
		return fmt.Errorf("reading the blob's Location back: %w", err)
	}
	defer resp.Body.Close()
	v := d.Algorithm().Digester()
	n, err := io.Copy(v.Hash(), io.LimitReader(resp.Body, size+1))
	if err != nil {
		return fmt.Errorf("GET %s: %v", loc, err)
	}
	if got := v.Digest(); got != d || n != size {
		return e.Errorf("GET %s (the Location) = %d bytes of digest %s, want %d bytes of %s", loc, n, got, size, d)
	}
	return nil
}

func runBlobWellKnown(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	var blob *fixtures.Layer
	if strings.HasSuffix(e.Param, "empty-json") {
		blob = fixtures.NewBlob("application/vnd.oci.empty.v1+json", []byte("{}"), fixtures.WithDigestAlgorithm(alg))
	} else {
		blob = fixtures.NewBlob(blobMediaType, []byte{}, fixtures.WithDigestAlgorithm(alg))
	}
	repo := e.Repo(Owner)
	res, err := e.pushBlob(repo, blob, v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut}))
	if err != nil {
		return err
	}
	return e.checkStored(repo, blob, res)
}

// badDigestBlob has the bytes of one blob and the digest of another.
type badDigestBlob struct {
	*fixtures.Layer
	claimed digest.Digest
}

func (b badDigestBlob) Digest() digest.Digest { return b.claimed }

func runBlobBadDigest(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	_, style, _ := strings.Cut(e.Param, "-")
	real := e.newBlob(3000, alg)
	bad := badDigestBlob{Layer: real, claimed: alg.FromString("not the bytes of " + e.Repo(Owner))}
	opts := []v2proto.CallOption{v2proto.WithBlobChecks(v2proto.BlobChecks{Head: v2proto.HeadNone})}
	switch style {
	case "post-only":
		opts = append(opts, v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostDigest}))
	case "post-put":
		opts = append(opts, v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut}))
	case "chunked":
		opts = append(opts, v2proto.WithUpload(v2proto.Upload{ChunkSize: 1024}))
	case "chunked-put":
		opts = append(opts, v2proto.WithUpload(v2proto.Upload{ChunkSize: 1024, LastChunkInPut: true}))
	case "stream":
		opts = append(opts, v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPatch}))
	}
	repo := e.Repo(Owner)
	_, err = e.pushBlob(repo, bad, opts...)
	var se *v2proto.StatusError
	switch {
	case err == nil:
		return e.Errorf("PushBlob(%s) of bytes whose digest is %s, claimed %s: accepted, want 400 or 404 (such as 400 DIGEST_INVALID)", repo, real.Digest(), bad.claimed)
	case !errors.As(err, &se):
		return err
	case se.Step != failures.FinishUpload && se.Step != failures.StartUpload:
		return err
	case se.Got != http.StatusBadRequest && se.Got != http.StatusNotFound:
		// The endpoint's failures are 404 and 400 (end-4b, end-6).
		return e.Errorf("%s %s = %d %s, want 400 or 404 (such as 400 DIGEST_INVALID; %s): the digest does not match the bytes", se.Method, se.Path, se.Got, strings.Join(se.Codes, " "), se.Step)
	case foreignCodes(se.Codes):
		// A 4xx body MAY be in any format; one in the spec's is checked.
		return e.Violates(reqErrorCodeField, e.Errorf("%s %s = %d %s, want a code of the spec (such as DIGEST_INVALID)", se.Method, se.Path, se.Got, strings.Join(se.Codes, " ")))
	}
	return e.wantBlobMissing(repo, bad.claimed)
}

// wantBlobMissing checks that HEAD of repo's blob d answers 404.
func (e *Env) wantBlobMissing(repo string, d digest.Digest) error {
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	_, err = e.client.HeadBlob(e.Ctx, repo, d, as...)
	if err == nil {
		return e.Errorf("HEAD /v2/%s/blobs/%s = 200, want 404", repo, d)
	}
	if statusOf(err) != http.StatusNotFound {
		return err
	}
	return nil
}

func runCancelUpload(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	style := v2proto.UploadPatch
	if strings.HasSuffix(e.Param, "no-data") {
		style = v2proto.UploadPostPut
	}
	repo := e.Repo(Owner)
	blob := e.newBlob(3000, alg)
	res, err := e.pushBlob(repo, blob, v2proto.WithUpload(v2proto.Upload{Style: style, Cancel: true}))
	if err != nil {
		return err
	}
	if res == nil || !res.Canceled || res.Finished {
		return e.Errorf("PushBlob(%s, Upload.Cancel) = %+v, want a canceled, unfinished upload", repo, res)
	}
	return nil
}

func runReadBlobMissing(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	// The repository exists; the blob was never uploaded.
	if _, err := e.pushBlob(repo, e.newBlob(100, alg)); err != nil {
		return err
	}
	missing := alg.FromString("never uploaded to " + repo)
	if err := e.wantBlobMissing(repo, missing); err != nil {
		return err
	}
	return e.wantNotFound(failures.GetBlob, http.MethodGet, repo, "/v2/"+repo+"/blobs/"+string(missing), nil)
}

func runReadBlobOtherRepo(e *Env) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	a, b := e.Repo(Owner, "a"), e.Repo(Owner, "b")
	blob := e.newBlob(100, alg)
	if _, err := e.pushBlob(a, blob); err != nil {
		return err
	}
	// B exists: it holds a blob of its own.
	if _, err := e.pushBlob(b, e.newBlob(100, alg)); err != nil {
		return err
	}
	path := "/v2/" + b + "/blobs/" + string(blob.Digest())
	if err := e.wantNotFound(failures.HeadBlob, http.MethodHead, b, path, nil); err != nil {
		return e.Violates(reqHeadNotInRepo404, fmt.Errorf("%w (the blob was uploaded to %s only)", err, a))
	}
	if err := e.wantNotFound(failures.GetBlob, http.MethodGet, b, path, nil); err != nil {
		return fmt.Errorf("%w (the blob was uploaded to %s only)", err, a)
	}
	return nil
}

// rangeBlob uploads a fresh 2048-byte blob and returns its repository,
// the blob and its bytes.
func (e *Env) rangeBlob() (string, *fixtures.Layer, []byte, error) {
	alg, err := e.shaAlg()
	if err != nil {
		return "", nil, nil, err
	}
	repo := e.Repo(Owner)
	blob := e.newBlob(2048, alg)
	if _, err := e.pushBlob(repo, blob, v2proto.WithUpload(v2proto.Upload{Style: v2proto.UploadPostPut})); err != nil {
		return "", nil, nil, err
	}
	r, _ := blob.Open()
	b, err := io.ReadAll(r)
	return repo, blob, b, err
}

func runReadRange(e *Env) error {
	repo, blob, content, err := e.rangeBlob()
	if err != nil {
		return err
	}
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		spec       string
		start, end int64
	}{
		{"bytes=500-1499", 500, 1499},
		{"bytes=500-", 500, 2047},
		{"bytes=-500", 1548, 2047},
		{"bytes=2000-5000", 2000, 2047},
	} {
		res, err := e.client.GetBlobRange(e.Ctx, repo, blob.Digest(), c.spec, as...)
		if err != nil {
			return err
		}
		switch {
		case res.Ignored:
			return e.Skip("GET /v2/%s/blobs/%s with Range: %s = 200 with the whole blob: the registry does not support ranges", repo, blob.Digest(), c.spec)
		case res.Status != http.StatusPartialContent:
			return e.Errorf("GET /v2/%s/blobs/%s with Range: %s = %d, want 206", repo, blob.Digest(), c.spec, res.Status)
		case res.Start != c.start || res.End != c.end || (res.Total != 2048 && res.Total != -1):
			return e.Errorf("GET /v2/%s/blobs/%s with Range: %s: Content-Range %q, want bytes %d-%d/2048", repo, blob.Digest(), c.spec, res.ContentRange, c.start, c.end)
		case !bytes.Equal(res.Bytes, content[c.start:c.end+1]):
			return e.Errorf("GET /v2/%s/blobs/%s with Range: %s: the body is not bytes %d-%d of the blob", repo, blob.Digest(), c.spec, c.start, c.end)
		}
	}
	return nil
}

func runReadRangeInvalid(e *Env) error {
	repo, blob, _, err := e.rangeBlob()
	if err != nil {
		return err
	}
	as, err := e.as(Owner)
	if err != nil {
		return err
	}
	for _, spec := range []string{"bytes=500-0", "bytes=5000-10000"} {
		res, err := e.client.GetBlobRange(e.Ctx, repo, blob.Digest(), spec, as...)
		if err != nil {
			return err
		}
		switch {
		case res.Ignored && spec == "bytes=500-0":
			continue // an invalid range may be ignored (RFC 9110)
		case res.Ignored:
			return e.Skip("GET /v2/%s/blobs/%s with Range: %s = 200 with the whole blob: the registry does not support ranges", repo, blob.Digest(), spec)
		case res.Status != http.StatusRequestedRangeNotSatisfiable:
			return e.Errorf("GET /v2/%s/blobs/%s with Range: %s = %d, want 416", repo, blob.Digest(), spec, res.Status)
		case res.ShortBody:
			return e.Errorf("GET /v2/%s/blobs/%s with Range: %s = 416 whose body is shorter than its Content-Length", repo, blob.Digest(), spec)
		}
	}
	return nil
}
