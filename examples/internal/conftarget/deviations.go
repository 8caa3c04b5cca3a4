package conftarget

// Spec sentences the deviations below break, quoted from OCI
// distribution-spec v1.1.1 (spec.md), by section.
const (
	specBlob201Location = `Pushing blobs, POST then PUT: "Upon successful completion of the request, the response MUST ` +
		`have code ` + "`201 Created`" + ` and MUST have the following header: Location: <blob-location>"`
	specUploadStatus = `Pushing a blob in chunks: "The response to an active upload <location> MUST be a ` +
		"`204 No Content`" + ` response code"`
	specChunk416 = `Pushing a blob in chunks: "If a chunk is uploaded out of order, the registry MUST respond with ` +
		`a ` + "`416 Requested Range Not Satisfiable`" + ` code."`
	specBlobUnknown = `Pushing manifests: "When a manifest is rejected for this reason, it MUST result in one or ` +
		`more ` + "`MANIFEST_BLOB_UNKNOWN`" + ` errors"`
	specOCISubject = `Pushing Manifests with Subject: "a registry implementation that supports the referrers API ` +
		`MUST respond with the response header OCI-Subject: <subject digest>"`
	specDigestEqual = `Pushing manifests: "The Docker-Content-Digest header returns the canonical digest of the ` +
		`uploaded blob, and MUST be equal to the client provided digest."`
	specReference = `Pulling manifests: "<reference> MUST be either (a) the digest of the manifest or (b) a tag. ` +
		`The <reference> MUST NOT be in any other format."`
	specTag = `Pulling manifests: "<reference> as a tag MUST be at most 128 characters in length and MUST match ` +
		`the following regular expression: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}"`
	specBlobDelete404 = `Deleting blobs: "If the blob is not found, a ` + "`404 Not Found`" + ` code MUST be returned."`
	specDeletedTag    = `Deleting manifests: "Once deleted, a GET to /v2/<name>/manifests/<digest> and any tag ` +
		`pointing to that digest will return a 404." and Checking if content exists: "If the blob or manifest ` +
		`is not found in the repository, the response code MUST be ` + "`404 Not Found`" + `."`
	specRange = `Pulling blobs: "A registry SHOULD support the Range request header in accordance with RFC 9110"; ` +
		`the registry serves 206 to "bytes=0-4", so it supports ranges, and RFC 9110 section 14`
	specEmptyReferrers = `Listing referrers: "If a query results in no matching referrers, an empty manifest ` +
		`list MUST be returned."`
	specNotInRepo = `Checking if content exists in the registry: "If the blob or manifest is not found in the ` +
		`repository, the response code MUST be ` + "`404 Not Found`" + `."`
	specManifest201Location = `Pushing manifests: "Upon a successful upload, the registry MUST return response ` +
		`code ` + "`201 Created`" + `, and MUST have the following header: Location: <location>"`
	specNZero = `Listing tags: "When ` + "`n`" + ` is zero, this endpoint MUST return an empty list, and MUST ` +
		`NOT include a ` + "`Link`" + ` header."`
	specErrorCode = `Error codes: "If the response body is in JSON format, it MUST have the following format" and ` +
		`"The ` + "`code`" + ` field MUST be one of the following" (the table of 14 codes)`
	specDigestInvalid = `Endpoints: end-4b (POST ?digest=) fails with 400 or 404, and Error codes: code-4 ` +
		"`DIGEST_INVALID`" + ` "provided digest did not match uploaded content"; a 5xx blames the server for a client's error`
)

// ggcrDeviations are the known deviations of go-containerregistry v0.22.1
// (see Deviations), each with the sentence of the spec it breaks. Measured
// with the suite; scenarios that fail only because of another scenario's
// requirement (its one blob store shared by every repository makes the
// pre-push HEAD of a blob answer 200; a 201 without Location mid-flow) are
// not listed: the scenario that owns the requirement is.
var ggcrDeviations = map[string]string{
	"blob-post-put":    "a blob upload's closing PUT answers 201 without Location; " + specBlob201Location,
	"blob-post-digest": "a single-POST upload answers 201 without Location; " + specBlob201Location,
	"blob-stream-patch": "the closing PUT of a streamed upload answers 201 without Location; " +
		specBlob201Location,
	"chunk-in-order":    "GET of an active upload session answers 400 NAME_INVALID; " + specUploadStatus,
	"chunk-last-in-put": "GET of an active upload session answers 400 NAME_INVALID; " + specUploadStatus,
	"chunk-overlap-416": "GET of an active upload session answers 400 NAME_INVALID; " + specUploadStatus,
	"chunk-gap-416/*-first-at-*": "GET of an active upload session answers 400 NAME_INVALID; " +
		specUploadStatus,
	"chunk-gap-416/*-gap-after-first": "GET of an active upload session answers 400 NAME_INVALID; " +
		specUploadStatus,
	"blob-bad-digest/*-chunked*": "GET of an active upload session answers 400 NAME_INVALID; " + specUploadStatus,
	"chunk-gap-416/*-gap-in-put": "a final chunk out of order in the closing PUT gets 400 DIGEST_INVALID, not 416; " +
		specChunk416,
	"list-missing-child": "an index whose child is absent is refused with 404 MANIFEST_UNKNOWN; " + specBlobUnknown,
	"ref-artifacts":      "a manifest PUT with a subject gets no OCI-Subject header; " + specOCISubject,
	"ref-index-subject":  "an index PUT with a subject gets no OCI-Subject header; " + specOCISubject,
	"ref-missing-subject": "a manifest PUT whose subject is absent gets no OCI-Subject header; " +
		specOCISubject,
	"valid-digest-mismatch": "a manifest PUT under a digest that is not its own is accepted (201); " +
		specDigestEqual,
	"valid-digest-malformed": "PUT /manifests/sha256:baddigeststring is accepted (201); " + specReference,
	"read-blob-other-repo": "a blob pushed to one repository answers 200 in every other (one blob store for " +
		"all repositories); " + specNotInRepo,
	"oci-image": "a manifest PUT answers 201 without Location; " + specManifest201Location,
	"tags-paging-last": "?last=<the greatest tag> answers the whole list, its first page with n; " +
		`Listing tags: "A request of this sort will return up to ` + "`<int>`" + ` tags, beginning ` +
		`non-inclusively with ` + "`<tagname>`" + `."`,
	"del-manifest-head-tag": "HEAD of a tag answers 200 after its manifest is deleted by digest; " + specDeletedTag,
	"sha512-manifests": "a manifest PUT by its sha512 digest answers Docker-Content-Digest with its sha256 " +
		"digest; " + specDigestEqual,
	"del-blob": "a second DELETE of a blob answers 500, not 404; " + specBlobDelete404,
	"read-range": "Range: bytes=500- of a 2048-byte blob answers 416 (RFC 9110: a satisfiable range gets 206); " +
		specRange,
	"read-range-invalid": "an invalid Range (bytes=500-0) answers 206 with Content-Range bytes 500-0/2048 " +
		"(RFC 9110 14.1.1: such a range is invalid; 200, or 416, is due); " + specRange,
	// Measured with the probes and the distribution table; the spec's table
	// (failures.Spec) makes these scenarios run.
	"del-manifest-drops-tag": "a tag still resolves (GET and HEAD 200) after its manifest is deleted by digest; " +
		specDeletedTag,
	"del-manifest-retagged": "a tag still resolves (GET and HEAD 200) after its manifest is deleted by digest; " +
		specDeletedTag,
	"name-tag-missing": "PUT /v2/<name>/manifests/ (an empty tag) is accepted (201); " + specTag,
	"name-tag-invalid": "invalid tags (129 characters, .fail, -fail) are accepted (201); " + specTag,
}

// cueDeviations are the known deviations of CUE's ociregistry (see
// Deviations), each with the sentence of the spec it breaks. Measured with
// the suite.
var cueDeviations = map[string]string{
	"ref-empty":  `an empty referrers list is "manifests": null; ` + specEmptyReferrers,
	"ref-filter": `an empty filtered referrers list is "manifests": null; ` + specEmptyReferrers,
	"blob-bad-digest/*-post-only": "POST ?digest= with a digest that does not match the body gets 500 UNKNOWN; " +
		specDigestInvalid,
	"chunk-gap-416/*-gap-in-put": "a final chunk out of order in the closing PUT gets 500 UNKNOWN, not 416; " +
		specChunk416,
	"read-range": "Range: bytes=-500 of a 2048-byte blob answers 416 (RFC 9110: a suffix range of a non-empty " +
		"blob is satisfiable); " + specRange,
	"read-range-invalid": "an unsatisfiable Range (bytes=5000-10000 of 2048 bytes) answers 500, not 416 " +
		"(RFC 9110 15.5.17); " + specRange,
	// Measured with the probes and the distribution table; the spec's table
	// (failures.Spec) makes these scenarios run.
	"del-manifest-drops-tag": "after its manifest is deleted by digest, a tag stays listed and HEAD on it " +
		"answers 200; " + specDeletedTag,
	"valid-missing-blob-ref/oci": "an OCI manifest whose blobs are absent gets 500 UNKNOWN; " + specBlobUnknown,
	"del-manifest-head-tag":      "HEAD of a tag answers 200 after its manifest is deleted by digest; " + specDeletedTag,
	"tags-paging-n-zero":         "tags/list?n=0 lists every tag; " + specNZero,
	"valid-digest-malformed": "PUT /manifests/sha256:baddigeststring answers 404 with the code UNKNOWN, which " +
		"is not a code of the spec; " + specErrorCode,
	"valid-missing-blob-ref/oci-sparse": "an OCI manifest whose blobs are absent gets 500 UNKNOWN; " +
		specBlobUnknown,
	"list-missing-child/oci-sparse": "an OCI index whose child is absent gets 500 UNKNOWN; " + specBlobUnknown,
	"valid-content-type-mismatch/oci-type": "a schema1 body PUT with the OCI manifest Content-Type gets 500 " +
		"UNKNOWN, where a client error (400 MANIFEST_INVALID) is due; Error codes: code-6 MANIFEST_INVALID " +
		`"manifest invalid"`,
	"name-tag-missing": "PUT /v2/<name>/manifests/ (an empty reference) panics the handler: the connection " +
		"closes without an answer; " + specReference,
}
