package v2proto

import (
	"maps"
	"slices"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/registrytest/registrytest/schema1"
)

// pushOptions are the call options of the push flows (Push, PushList,
// PushManifest, PushBlob, PushBlobs, PushContent). Each field's zero value
// is the OCI spec's default behaviour; Quay's client quirks are options.
type pushOptions struct {
	// Blob uploads (Upload).
	style          UploadStyle
	chunks         []Chunk
	chunkSize      int64
	lastChunkInPut bool
	mounts         map[digest.Digest]string
	cancel         bool
	// Blob checks (BlobChecks).
	head           HeadCheck
	skipBlobChecks bool

	// Manifests.
	byDigest    bool
	contentType string
	tagParams   []string

	// What Push and PushList build (Build).
	invalidBlobRefs bool
	brokenConfig    bool
	emptyDiffIDs    bool
	ensureASCII     bool
	key             *schema1.Key
	childSchemas    []Schema
}

// RemoteAddrHeader is the header Headers.RemoteAddr sets: Quay's test
// servers take it as the client's address (for geo-blocking tests).
const RemoteAddrHeader = "X-Override-Remote-Addr-For-Testing"

// Upload says how the push flows upload blobs (WithUpload). Its zero value
// is the default: one PATCH of the whole blob per upload (UploadPatch),
// no mount, every upload finished.
type Upload struct {
	// Style is how each blob's bytes are sent (see UploadStyle). Default
	// UploadPatch; Chunks or ChunkSize make it UploadChunked.
	Style UploadStyle
	// Chunks makes every blob upload send the blob in these chunks, in
	// order (UploadChunked), as Quay's chunks_for_upload does. Each chunk
	// is a [Start, End) slice of the blob (End ChunkToEnd means the
	// blob's end), sent as one PATCH with Content-Range "Start-(End-1)";
	// its Status is the status the PATCH must answer (0: 202). The list
	// applies to every blob of the call, an image config included; a chunk
	// whose slice does not fit in a blob is an error for that blob. Chunks
	// that break the registry's OCI-Chunk-Min-Length are a
	// *ChunkMinLengthError. Default none.
	Chunks []Chunk
	// ChunkSize makes every blob upload send the blob in chunks of
	// ChunkSize bytes (the last one shorter), raised to the registry's
	// OCI-Chunk-Min-Length when its start-upload answer names a larger
	// one (UploadChunked). Default 0: DefaultChunkSize when the style is
	// UploadChunked without Chunks.
	ChunkSize int64
	// LastChunkInPut makes a chunked upload send its last chunk as the
	// body of the finishing PUT ?digest= (with its Content-Range) instead
	// of as a PATCH. Default false.
	LastChunkInPut bool
	// Mounts makes the upload of each blob whose digest is a key a
	// cross-repository mount: POST /v2/<name>/blobs/uploads/?mount=<digest>
	// &from=<Mounts[digest]> (without from when the value is ""). A 201
	// answer completes the blob; a 202 offers an upload session, through
	// which the blob is then uploaded (BlobResult.MountFallback). Without
	// WithScopes the call's token also asks for pull on every source
	// repository. Default none.
	Mounts map[digest.Digest]string
	// Cancel makes every blob upload stop after its body (the PATCH or
	// chunks; none for UploadPostPut): DELETE of the upload session
	// (cancel-upload, 204), then GET of it (upload-status, which must
	// answer 404) and a HEAD of the blob (blob-head-check, 404). The blob
	// is not finished, and Push, PushList and PushContent put no manifest
	// (Quay's cancel_blob_upload). A blob the HEAD before the upload
	// finds is skipped, not canceled (BlobResult.Skipped); HeadWantAbsent
	// refuses it instead. Without WithScopes the call's token also asks
	// for the delete action, which distribution requires to cancel an
	// upload. With UploadPostDigest, only a session the registry opened
	// (202) is canceled; a blob its POST completed stays. Default false.
	Cancel bool
}

// WithUpload sets how the call uploads blobs (see Upload). Push, PushList,
// PushContent, PushBlob and PushBlobs read it. A call takes at most one
// WithUpload.
func WithUpload(u Upload) CallOption {
	chunks, mounts := slices.Clone(u.Chunks), maps.Clone(u.Mounts)
	return func(cc *callConfig) {
		cc.useOnce("WithUpload", uploaders...)
		cc.push.style = u.Style
		cc.push.chunks = chunks
		cc.push.chunkSize = max(u.ChunkSize, 0)
		cc.push.lastChunkInPut = u.LastChunkInPut
		cc.push.mounts = mounts
		cc.push.cancel = u.Cancel
	}
}

// A HeadCheck is what the push flows do with the HEAD of each blob before
// its upload (the blob-head-check step).
type HeadCheck int

// The head checks.
const (
	// HeadSkipPresent HEADs each blob and skips the upload of a blob the
	// HEAD finds (200; BlobResult.Skipped, PushResult.Skipped); 404 means
	// upload it. Blobs Upload.Mounts names are not HEADed, as the call
	// asked to mount them. It is the default, as go-containerregistry,
	// oras-go, regclient and skopeo do.
	HeadSkipPresent HeadCheck = iota
	// HeadWantAbsent makes the HEAD demand 404: the blob must not be in the
	// repository yet, as Quay's client demanded (its tests push to fresh
	// repositories). Blobs Upload.Mounts names are HEADed too. An answer of
	// 200 is an error that names it:
	//
	//	blob sha256:…: HEAD /v2/ns/repo/blobs/sha256:… = 200, want 404 (blob-head-check, BlobChecks.Head HeadWantAbsent)
	HeadWantAbsent
	// HeadNone leaves the HEAD out: every blob is uploaded (or mounted),
	// present or not (Quay's skip_head_checks).
	HeadNone
)

// String returns "skip-present", "want-absent" or "none".
func (h HeadCheck) String() string {
	switch h {
	case HeadSkipPresent:
		return "skip-present"
	case HeadWantAbsent:
		return "want-absent"
	case HeadNone:
		return "none"
	}
	return "HeadCheck(" + strconv.Itoa(int(h)) + ")"
}

// BlobChecks say which checks the push flows make around each blob upload
// (WithBlobChecks). Its zero value is the default: HEAD each blob first
// and skip it when present, then HEAD and GET it after its upload.
type BlobChecks struct {
	// Head is what the HEAD before the upload does. Default
	// HeadSkipPresent.
	Head HeadCheck
	// SkipGet leaves out the GET of each blob after its upload (get-blob,
	// which reads and hashes the content); the HEAD after it (head-blob)
	// is still made (Quay's skip_blob_push_checks). Default false.
	SkipGet bool
}

// WithBlobChecks sets the checks around each blob upload (see BlobChecks).
// Push, PushList, PushContent, PushBlob and PushBlobs read it. A call
// takes at most one WithBlobChecks.
func WithBlobChecks(b BlobChecks) CallOption {
	return func(cc *callConfig) {
		cc.useOnce("WithBlobChecks", uploaders...)
		cc.push.head = b.Head
		cc.push.skipBlobChecks = b.SkipGet
	}
}

// Build says how Push, PushList and BuildManifest build manifests and
// image configs from fixtures (WithBuild). Its zero value is the default:
// the manifests real clients build (see BuildManifest).
type Build struct {
	// InvalidBlobReferences makes the manifests' layers name the digest
	// NotARealThing instead of their blobs' (which are still uploaded), as
	// Quay's manifest_invalid_blob_references. A registry must refuse such
	// a manifest (failures.InvalidBlob): a call that pushes it says so with
	// ExpectFailure(failures.InvalidBlob), or gets the registry's refusal
	// as an error. Default false.
	InvalidBlobReferences bool
	// BrokenConfig builds schema2 and OCI image configs without a
	// "history" member, as if the leaf image had OmitHistory set (Quay's
	// with_broken_manifest_config). A registry that validates configs
	// refuses the manifest (failures.InvalidManifest). Default false.
	BrokenConfig bool
	// EmptyDiffIDs writes schema2 and OCI image configs with "rootfs":
	// {"type": "layers", "diff_ids": []}, as Quay's client does. By
	// default diff_ids lists the digest of each listed layer's
	// uncompressed content, in order, as the image spec requires and real
	// clients write it; distribution 2.8 converts a schema2 manifest to
	// schema1 for an old client only when diff_ids match the layers.
	EmptyDiffIDs bool
	// EnsureASCII makes manifests, image configs and v1Compatibility
	// documents escape every non-ASCII character as \uXXXX, as Python's
	// json.dumps(ensure_ascii=True), Quay's default, does. By default they
	// carry UTF-8 as is.
	EnsureASCII bool
	// SigningKey signs schema1 manifests. Default nil: DefaultSigningKey.
	SigningKey *schema1.Key
	// ChildSchemas sets the schema of the image children of the list
	// PushList pushes, by position: ChildSchemas[i] for the i-th child,
	// the call's schema (WithSchema) for the others and for "" entries.
	// Quay's first list test mixes an unsigned schema1 child and a schema2
	// one. Schema1 children are built unsigned; the list is an OCI index
	// when the call's schema is OCI and a Docker manifest list otherwise.
	// Only PushList reads it. Default none.
	ChildSchemas []Schema
}

// WithBuild sets how the call builds manifests (see Build). Push, PushList
// and BuildManifest read it; Build.ChildSchemas only PushList. A call
// takes at most one WithBuild.
func WithBuild(b Build) CallOption {
	children := slices.Clone(b.ChildSchemas)
	return func(cc *callConfig) {
		cc.useOnce("WithBuild", builders...)
		cc.useField(len(children) > 0, "Build.ChildSchemas", "PushList")
		cc.push.invalidBlobRefs = b.InvalidBlobReferences
		cc.push.brokenConfig = b.BrokenConfig
		cc.push.emptyDiffIDs = b.EmptyDiffIDs
		cc.push.ensureASCII = b.EnsureASCII
		cc.push.key = b.SigningKey
		cc.push.childSchemas = children
	}
}

// WithPushByDigest makes Push, PushList and PushContent put each manifest
// at /v2/<name>/manifests/<digest> instead of at its tag (Quay's
// push_by_manifest_digest); Push and PushList then take no tags. By
// default manifests are put at their tags.
func WithPushByDigest() CallOption {
	return func(cc *callConfig) {
		cc.use("WithPushByDigest", manifestPutters...)
		cc.push.byDigest = true
	}
}

// WithTagParams makes PushManifest add one ?tag= parameter per tag to its
// PUT (OCI distribution 1.1: tags given with a PUT by digest); the
// registry may answer an OCI-Tag header per tag it applied
// (ManifestResult.Tags). By default no tag parameter is sent. Only
// PushManifest reads it.
func WithTagParams(tags ...string) CallOption {
	tags = slices.Clone(tags)
	return func(cc *callConfig) {
		cc.use("WithTagParams", "PushManifest")
		cc.push.tagParams = tags
	}
}

// Headers are request headers a call sets beyond the protocol's own
// (WithHeaders). Its zero value, the default, sets none. (The Accept
// header has an option of its own: WithAccept.)
type Headers struct {
	// RemoteAddr, when not empty, is sent as RemoteAddrHeader on every
	// request after the auth step (not on ping and auth), so that a
	// registry with Quay's test hook takes them as coming from it (Quay's
	// request_addr, for geo-blocking; Quay's client sent it on blob GETs
	// only). Push, PushList, PushManifest, PushBlob, PushBlobs,
	// PushContent, Pull, PullList, GetManifest, GetManifestRaw,
	// HeadManifest, GetBlob, HeadBlob, GetBlobRange, Delete and
	// DeleteBlob read it. Default "".
	RemoteAddr string
	// ManifestContentType, when not empty, is the Content-Type of the
	// manifest PUTs of Push, PushContent (the tagged manifests) and
	// PushManifest, and of the list PUTs of PushList, instead of the
	// manifest's media type (Quay's manifest_content_type). The children
	// of a list keep their own types. Default "".
	ManifestContentType string
}

// WithHeaders sets extra request headers of the call (see Headers); each
// field is read by the methods its doc names. A call takes at most one
// WithHeaders.
func WithHeaders(h Headers) CallOption {
	return func(cc *callConfig) {
		cc.useOnce("WithHeaders", union(pushers, contentReaders)...)
		cc.useField(h.RemoteAddr != "", "Headers.RemoteAddr", union(pushers, contentReaders)...)
		cc.useField(h.ManifestContentType != "", "Headers.ManifestContentType", "Push", "PushList", "PushContent", "PushManifest")
		cc.remoteAddr = h.RemoteAddr
		cc.push.contentType = h.ManifestContentType
	}
}
