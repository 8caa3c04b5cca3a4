package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/registrytest/registrytest/failures"

	"github.com/registrytest/registrytest/fixtures"
	"github.com/registrytest/registrytest/v2proto"
)

const areaChunks = "Chunked uploads"

// The Quay chunk lists of test_chunked_blob_uploading, by parameter.
var quayChunks = map[string][]v2proto.Chunk{
	"quay-2": {{Start: 0, End: 100}, {Start: 100, End: v2proto.ChunkToEnd}},
	"quay-3": {{Start: 0, End: 10}, {Start: 10, End: 20}, {Start: 20, End: v2proto.ChunkToEnd}},
	"quay-6": {{Start: 0, End: 10}, {Start: 10, End: 20}, {Start: 20, End: 30}, {Start: 30, End: 40}, {Start: 40, End: 50}, {Start: 50, End: v2proto.ChunkToEnd}},
}

// ociChunk is the OCI program's chunk length (raised by v2proto to the
// registry's OCI-Chunk-Min-Length when that is larger); ociChunkedSize is
// the length of its chunked blobs, three chunks, the last one 5 bytes
// short.
const (
	ociChunk       = 1024
	ociChunkedSize = 3*ociChunk - 5
)

func chunkScenarios() []Scenario {
	return []Scenario{
		{
			ID: "chunk-in-order", Area: areaChunks,
			Requires: []Requirement{reqChunk202, reqUploadStatus204, reqChunkMinLength},
			Explain: "POST, PATCHes with Content-Range in order, each answered 202 with Range 0-<last byte received> and " +
				"followed by an upload status GET (204, same Docker-Upload-UUID and Range), then PUT ?digest= 201; the " +
				"blob reads back; Quay's slices push the random image in each format and R passes (distribution-spec: " +
				"pushing a blob in chunks)",
			Origin: "Q: test_chunked_blob_uploading[2 chunks, 3 chunks, 6 chunks]; O: blobs/chunked single/*, blobs/chunked multi/*; L23, L26, L27",
			Params: append(crossParams([]string{"quay-2", "quay-3", "quay-6"}, formatParams),
				crossParams([]string{"oci-single", "oci-multi"}, shaParams)...),
			Run: runChunkInOrder,
		},
		{
			ID: "chunk-last-in-put", Area: areaChunks,
			Requires: []Requirement{reqFinalChunkInPut},
			Explain: "in-order PATCHes, the last chunk sent as the body of PUT ?digest= with its Content-Range: PATCHes " +
				"202, PUT 201, HEAD/GET 200",
			Origin: "O: blobs/chunked multi and put chunk/*",
			Params: shaParams,
			Run: func(e *Env) error {
				return e.chunkedBlob(ociChunkedSize, v2proto.WithUpload(v2proto.Upload{ChunkSize: ociChunk, LastChunkInPut: true}))
			},
		},
		{
			ID: "chunk-gap-416", Area: areaChunks,
			Requires: []Requirement{reqChunkOutOfOrder416, reqUploadStatus204},
			Explain: "a chunk that starts after the bytes received is refused with 416 (RANGE_INVALID), the upload status " +
				"is unchanged (204, same Range), and the upload continues in order to PUT 201 (distribution-spec: " +
				"out-of-order chunks MUST be refused with 416)",
			Origin: "Q: test_chunked_uploading_missing_first_chunk, test_chunked_uploading_mismatched_chunks; O: blobs/chunked out-of-order/*, blobs/chunked out-of-order and put chunk/*; L22, L25",
			Params: crossParams(shaParams, []string{"first-at-10", "first-at-1024", "gap-after-first", "gap-in-put"}),
			Run:    runChunkGap,
		},
		{
			ID: "chunk-overlap-416", Area: areaChunks,
			Requires: []Requirement{reqChunksInOrder, reqChunkOutOfOrder416},
			Explain: "a chunk that starts before the end of the bytes received (a re-sent chunk: [0,90) then [10,end)) " +
				"is refused with 416 and the status is unchanged; the upload continues in order to PUT 201. With " +
				"chunk-overlap (Quay) it is accepted (202) and the overlap skipped",
			Origin: "Q: test_chunked_blob_uploading[overlapping]; O: blobs/chunked out-of-order/* (the re-sent chunk); L24, L25",
			Params: shaParams,
			Run:    runChunkOverlap,
		},
	}
}

// chunkedBlob uploads a fresh blob of size bytes in chunks as opts say,
// and checks that it is finished and reads back. A fixed chunk list that
// breaks the registry's OCI-Chunk-Min-Length is skipped.
func (e *Env) chunkedBlob(size int64, opts ...v2proto.CallOption) error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	blob := e.newBlob(size, alg)
	res, err := e.pushBlob(repo, blob, opts...)
	if err != nil {
		return e.chunkMinSkip(err)
	}
	return e.checkUploaded(repo, blob, res)
}

// chunkMinSkip turns a *v2proto.ChunkMinLengthError into the error of Skip.
func (e *Env) chunkMinSkip(err error) error {
	var cm *v2proto.ChunkMinLengthError
	if errors.As(err, &cm) {
		return e.Skip("the chunk list breaks the registry's OCI-Chunk-Min-Length: %v", cm)
	}
	return err
}

func runChunkInOrder(e *Env) error {
	kind, rest, _ := strings.Cut(e.Param, "-")
	if kind == "oci" {
		if strings.HasPrefix(rest, "single") {
			return e.chunkedBlob(2048, v2proto.WithUpload(v2proto.Upload{Chunks: []v2proto.Chunk{{Start: 0, End: v2proto.ChunkToEnd}}}))
		}
		return e.chunkedBlob(ociChunkedSize, v2proto.WithUpload(v2proto.Upload{ChunkSize: ociChunk}))
	}
	// Quay: the random image in each format, every blob in these chunks.
	i := strings.LastIndex(e.Param, "-")
	chunks, f := quayChunks[e.Param[:i]], format(e.Param[i+1:])
	if err := e.needFormat(f); err != nil {
		return err
	}
	_, _, err := e.pushPull(e.Repo(Owner), "latest", fixtures.Random4096(e.seed()), f, f, v2proto.WithUpload(v2proto.Upload{Chunks: chunks}))
	return e.chunkMinSkip(err)
}

func runChunkGap(e *Env) error {
	_, kind, _ := strings.Cut(e.Param, "-")
	end := int64(v2proto.ChunkToEnd)
	var chunks []v2proto.Chunk
	switch kind {
	case "first-at-10": // Quay: the first chunk is missing
		chunks = []v2proto.Chunk{{Start: 10, End: end, Status: http.StatusRequestedRangeNotSatisfiable}, {Start: 0, End: end}}
	case "first-at-1024": // OCI: the second chunk first
		chunks = []v2proto.Chunk{{Start: 1024, End: 2048, Status: http.StatusRequestedRangeNotSatisfiable}, {Start: 0, End: 1024}, {Start: 1024, End: 2048}, {Start: 2048, End: end}}
	case "gap-after-first": // Quay: byte 100 skipped
		chunks = []v2proto.Chunk{{Start: 0, End: 100}, {Start: 101, End: end, Status: http.StatusRequestedRangeNotSatisfiable}, {Start: 100, End: end}}
	case "gap-in-put":
		return e.gapInPut()
	}
	return e.chunkedBlob(ociChunkedSize, v2proto.WithUpload(v2proto.Upload{Chunks: chunks}))
}

func runChunkOverlap(e *Env) error {
	end := int64(v2proto.ChunkToEnd)
	chunks := []v2proto.Chunk{{Start: 0, End: 90}, {Start: 10, End: end, Status: http.StatusRequestedRangeNotSatisfiable}, {Start: 90, End: end}}
	if e.Has(ChunkOverlap) {
		chunks = []v2proto.Chunk{{Start: 0, End: 90}, {Start: 10, End: end}}
	}
	return e.chunkedBlob(ociChunkedSize, v2proto.WithUpload(v2proto.Upload{Chunks: chunks}))
}

// gapInPut sends the OCI program's out-of-order last chunk in the
// finishing PUT, which the push flows cannot express (they never send a
// chunk list that leaves bytes unsent): POST, PATCH of [0,1024), then PUT
// ?digest= with [2048,end) and its Content-Range, which must answer 416;
// the blob is then not in the repository.
func (e *Env) gapInPut() error {
	alg, err := e.shaAlg()
	if err != nil {
		return err
	}
	repo := e.Repo(Owner)
	blob := e.newBlob(ociChunkedSize, alg)
	content, err := io.ReadAll(mustOpen(blob))
	if err != nil {
		return err
	}
	as, err := e.as(Owner, v2proto.WithScopes("repository:"+repo+":push,pull"))
	if err != nil {
		return err
	}
	send := func(step failures.Step, method, loc string, body []byte, start int64) (string, error) {
		req, err := http.NewRequestWithContext(e.Ctx, method, loc, bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/octet-stream")
			req.Header.Set("Content-Range", fmt.Sprintf("%d-%d", start, start+int64(len(body))-1))
			req.ContentLength = int64(len(body))
		}
		resp, err := e.client.Exchange(e.Ctx, step, req, as...)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		next := resp.Header.Get("Location")
		if next == "" {
			return "", e.Errorf("%s %s: no Location", method, loc)
		}
		u, err := url.Parse(loc)
		if err != nil {
			return "", err
		}
		n, err := u.Parse(next)
		if err != nil {
			return "", err
		}
		return n.String(), nil
	}
	loc, err := send(failures.StartUpload, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, 0)
	if err != nil {
		return err
	}
	if loc, err = send(failures.UploadChunk, http.MethodPatch, loc, content[:1024], 0); err != nil {
		return err
	}
	u, err := url.Parse(loc)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("digest", string(blob.Digest()))
	u.RawQuery = q.Encode()
	_, err = send(failures.FinishUpload, http.MethodPut, u.String(), content[2048:], 2048)
	var se *v2proto.StatusError
	switch {
	case err == nil:
		return e.Errorf("PUT <upload>?digest=%s with bytes [2048,%d) after [0,1024) = 201, want 416", blob.Digest(), len(content))
	case !errors.As(err, &se):
		return err
	case se.Got != http.StatusRequestedRangeNotSatisfiable:
		return e.Errorf("%s %s with Content-Range 2048-%d after bytes [0,1024) = %d %s, want 416", se.Method, se.Path, len(content)-1, se.Got, strings.Join(se.Codes, " "))
	}
	return e.wantBlobMissing(repo, blob.Digest())
}

// mustOpen opens a fixture layer, whose Open never fails.
func mustOpen(l *fixtures.Layer) io.Reader {
	r, _ := l.Open()
	return r
}
