package v2proto

import (
	"maps"
	"slices"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema1"
)

// pushOptions are the call options of the push flows (Push, PushList,
// PushManifest, PushBlob, PushBlobs). Each field's zero value is the OCI
// spec's default behaviour; Quay's client quirks are options.
type pushOptions struct {
	// Blob uploads.
	style          UploadStyle
	chunks         []Chunk
	chunkSize      int64
	lastChunkInPut bool
	mounts         map[digest.Digest]string
	cancel         bool
	skipHeadChecks bool
	blobsAbsent    bool
	skipBlobChecks bool
	concurrency    int

	// Manifests.
	byDigest        bool
	contentType     string
	accept          []string
	acceptSet       bool
	invalidBlobRefs bool
	brokenConfig    bool
	emptyDiffIDs    bool
	ensureASCII     bool
	key             *schema1.Key
	tagParams       []string
	childSchemas    []Schema

	// Every request after the auth step.
	remoteAddr string
}

// DefaultUploadConcurrency is how many blobs a push uploads at once unless
// WithUploadConcurrency says otherwise.
const DefaultUploadConcurrency = 4

// RemoteAddrHeader is the header WithPushRemoteAddr sets: Quay's test
// servers take it as the client's address (for geo-blocking tests).
const RemoteAddrHeader = "X-Override-Remote-Addr-For-Testing"

// WithUploadStyle makes blob uploads use style s (see UploadStyle). The
// default is UploadPatch. WithChunks and WithChunkSize imply
// UploadChunked.
func WithUploadStyle(s UploadStyle) CallOption {
	return func(cc *callConfig) { cc.push.style = s }
}

// WithChunks makes every blob upload send the blob in these chunks, in
// order (UploadChunked), as Quay's chunks_for_upload does. Each chunk is a
// [Start, End) slice of the blob (End ChunkToEnd means the blob's end),
// sent as one PATCH with Content-Range "Start-(End-1)"; its Status is the
// status the PATCH must answer (0: 202). The list applies to every blob of
// the call, an image config included; a chunk whose slice does not fit in
// a blob is an error for that blob. Chunks that break the registry's
// OCI-Chunk-Min-Length are a *ChunkMinLengthError.
func WithChunks(chunks ...Chunk) CallOption {
	chunks = slices.Clone(chunks)
	return func(cc *callConfig) { cc.push.chunks = chunks }
}

// WithChunkSize makes every blob upload send the blob in chunks of n bytes
// (the last one shorter), raised to the registry's OCI-Chunk-Min-Length
// when its start-upload answer names a larger one (UploadChunked). A zero
// or negative n leaves the default.
func WithChunkSize(n int64) CallOption {
	return func(cc *callConfig) {
		if n > 0 {
			cc.push.chunkSize = n
		}
	}
}

// WithLastChunkInPut makes a chunked upload send its last chunk as the
// body of the finishing PUT ?digest= (with its Content-Range) instead of
// as a PATCH.
func WithLastChunkInPut() CallOption {
	return func(cc *callConfig) { cc.push.lastChunkInPut = true }
}

// WithMounts makes the upload of each blob whose digest is a key of mounts
// a cross-repository mount: POST /v2/<name>/blobs/uploads/?mount=<digest>
// &from=<mounts[digest]> (without from when the value is ""). A 201 answer
// completes the blob; a 202 offers an upload session, through which the
// blob is then uploaded (BlobResult.MountFallback). Without WithScopes the
// call's token also asks for pull on every source repository.
func WithMounts(mounts map[digest.Digest]string) CallOption {
	mounts = maps.Clone(mounts)
	return func(cc *callConfig) { cc.push.mounts = mounts }
}

// WithCancelUpload makes every blob upload stop after its body (the PATCH
// or chunks; none for UploadPostPut): DELETE of the upload session
// (cancel-upload, 204), then GET of it (upload-status, which must answer
// 404) and a HEAD of the blob (blob-head-check, 404). The blob is not
// finished, and Push, PushList and PushContent put no manifest (Quay's
// cancel_blob_upload). A blob the HEAD before the upload finds is skipped,
// not canceled (BlobResult.Skipped); WithBlobsAbsent refuses it instead. Without WithScopes the call's token also asks for
// the delete action, which distribution requires to cancel an upload.
// With UploadPostDigest, only a session the registry opened (202) is
// canceled; a blob its POST completed stays.
func WithCancelUpload() CallOption {
	return func(cc *callConfig) { cc.push.cancel = true }
}

// WithSkipHeadChecks leaves out the HEAD of each blob before its upload
// (blob-head-check): every blob is uploaded (or mounted), present or not
// (Quay's skip_head_checks). By default the HEAD is made and a blob it
// finds (200) is skipped; see WithBlobsAbsent. The two options together
// are an error.
func WithSkipHeadChecks() CallOption {
	return func(cc *callConfig) { cc.push.skipHeadChecks = true }
}

// WithBlobsAbsent makes the HEAD of each blob before its upload
// (blob-head-check) demand 404: the blob must not be in the repository
// yet, as Quay's client demanded (its tests push to fresh repositories).
// An answer of 200 is then an error that names the option:
//
//	blob sha256:…: HEAD /v2/ns/repo/blobs/sha256:… = 200, want 404 (blob-head-check, WithBlobsAbsent)
//
// By default (as go-containerregistry, oras-go, regclient and skopeo do)
// the HEAD may answer 200 or 404, and a blob it finds is not uploaded
// (BlobResult.Skipped, PushResult.Skipped); blobs WithMounts names are
// then not HEADed at all, as the call asked to mount them (with
// WithBlobsAbsent they are, and must answer 404 too). Not with
// WithSkipHeadChecks.
func WithBlobsAbsent() CallOption {
	return func(cc *callConfig) { cc.push.blobsAbsent = true }
}

// WithSkipBlobChecks leaves out the GET of each blob after its upload
// (get-blob, which reads and hashes the content); the HEAD (head-blob) is
// still made (Quay's skip_blob_push_checks).
func WithSkipBlobChecks() CallOption {
	return func(cc *callConfig) { cc.push.skipBlobChecks = true }
}

// WithUploadConcurrency sets how many blobs Push, PushList and PushBlobs
// upload at once; n < 1 leaves the default, DefaultUploadConcurrency. A
// call that expects a failure uploads one blob at a time whatever n is, so
// that the failure is met at the first step that shows it.
func WithUploadConcurrency(n int) CallOption {
	return func(cc *callConfig) {
		if n > 0 {
			cc.push.concurrency = n
		}
	}
}

// WithPushByDigest makes Push and PushList put each manifest at
// /v2/<name>/manifests/<digest> instead of at its tag (Quay's
// push_by_manifest_digest).
func WithPushByDigest() CallOption {
	return func(cc *callConfig) { cc.push.byDigest = true }
}

// WithManifestContentType makes the manifest PUTs of Push, the list PUTs
// of PushList and PushManifest send Content-Type ct instead of the
// manifest's media type (Quay's manifest_content_type). The children of a
// list keep their own types.
func WithManifestContentType(ct string) CallOption {
	return func(cc *callConfig) { cc.push.contentType = ct }
}

// WithPushAccept makes every request of a push after the auth step carry
// Accept with types joined by ","; WithPushAccept() with no type sends an
// empty Accept (Quay's accept_mimetypes on push). By default no Accept is
// sent.
func WithPushAccept(types ...string) CallOption {
	types = slices.Clone(types)
	return func(cc *callConfig) { cc.push.accept, cc.push.acceptSet = types, true }
}

// WithInvalidBlobReferences makes Push build manifests whose layers name
// the digest sha256("notarealthing") instead of their blobs' (which are
// still uploaded), and, unless the call expects another failure, makes it
// expect failures.InvalidBlob (Quay's manifest_invalid_blob_references).
func WithInvalidBlobReferences() CallOption {
	return func(cc *callConfig) { cc.push.invalidBlobRefs = true }
}

// WithBrokenConfig makes Push build schema2 and OCI image configs without
// a "history" member, as if the leaf image had OmitHistory set (Quay's
// with_broken_manifest_config). A registry that validates configs
// refuses the manifest (failures.InvalidManifest).
func WithBrokenConfig() CallOption {
	return func(cc *callConfig) { cc.push.brokenConfig = true }
}

// WithEmptyDiffIDs makes Push write schema2 and OCI image configs with
// "rootfs": {"type": "layers", "diff_ids": []}, as Quay's client does. By
// default diff_ids lists the digest of each listed layer's uncompressed
// content, in order, as the image spec requires and real clients write it;
// distribution 2.8 converts a schema2 manifest to schema1 for an old client
// only when diff_ids match the layers.
func WithEmptyDiffIDs() CallOption {
	return func(cc *callConfig) { cc.push.emptyDiffIDs = true }
}

// WithEnsureASCII makes the manifests, image configs and v1Compatibility
// documents the push flows build escape every non-ASCII character as
// \uXXXX, as Python's json.dumps(ensure_ascii=True), Quay's default, does.
// By default they carry UTF-8 as is.
func WithEnsureASCII() CallOption {
	return func(cc *callConfig) { cc.push.ensureASCII = true }
}

// WithSigningKey makes Push sign schema1 manifests with k. The default is
// DefaultSigningKey. A nil k leaves the default.
func WithSigningKey(k *schema1.Key) CallOption {
	return func(cc *callConfig) { cc.push.key = k }
}

// WithTagParams makes PushManifest add one ?tag= parameter per tag to its
// PUT (OCI distribution 1.1: tags given with a PUT by digest); the
// registry may answer an OCI-Tag header per tag it applied
// (ManifestResult.Tags).
func WithTagParams(tags ...string) CallOption {
	tags = slices.Clone(tags)
	return func(cc *callConfig) { cc.push.tagParams = tags }
}

// WithChildSchemas sets the schema of the image children of the list
// PushList pushes, by position: schemas[i] for the i-th child, the call's
// schema (WithSchema) for the others and for "" entries. Quay's first list
// test mixes an unsigned schema1 child and a schema2 one. Schema1 children
// are built unsigned; the list is an OCI index when the call's schema is
// OCI and a Docker manifest list otherwise.
func WithChildSchemas(schemas ...Schema) CallOption {
	schemas = slices.Clone(schemas)
	return func(cc *callConfig) { cc.push.childSchemas = schemas }
}

// WithPushRemoteAddr makes every request of a push after the auth step
// carry RemoteAddrHeader: addr (Quay's request_addr).
func WithPushRemoteAddr(addr string) CallOption {
	return func(cc *callConfig) { cc.push.remoteAddr = addr }
}
