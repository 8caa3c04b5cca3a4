package quayreg

// The sentences of OCI distribution-spec v1.1.1 (spec.md) that Quay's
// deviations break, quoted.
const (
	sentenceEndOfRange = `"The <end-of-range> value is the position of the last uploaded byte." ` +
		`(OCI distribution-spec v1.1.1, Pushing a blob in chunks: the Range of a chunk's 202 and of the upload status's 204, MUST)`
	sentenceExpectedManifest = `"A GET request to an existing manifest URL MUST provide the expected manifest, with a response ` +
		`code that MUST be 200 OK." and "The Content-Type header SHOULD match what the client pushed as the manifest's ` +
		`Content-Type." (OCI distribution-spec v1.1.1, Pulling manifests)`
	sentenceBlobUnknown = `"When a manifest is rejected for this reason, it MUST result in one or more ` +
		`MANIFEST_BLOB_UNKNOWN errors." (OCI distribution-spec v1.1.1, Pushing Manifests: a manifest naming ` +
		`blobs or manifests the repository does not hold)`
	sentenceDeleted404 = `"Once deleted, a GET to /v2/<name>/manifests/<digest> and any tag pointing to that digest ` +
		`will return a 404." after "Upon success, the registry MUST respond with a 202 Accepted code." (OCI ` +
		`distribution-spec v1.1.1, Deleting Manifests)`
	sentenceOCISubject = `"When processing a request for an image manifest with the subject field, a registry ` +
		`implementation that supports the referrers API MUST respond with the response header OCI-Subject: <subject ` +
		`digest> to indicate to the client that the registry processed the request's subject." (OCI distribution-spec ` +
		`v1.1.1, Pushing Manifests with Subject)`
	sentenceReferrers200 = `"Assuming a repository is found, this request MUST return a 200 OK response code." ` +
		`(OCI distribution-spec v1.1.1, Listing Referrers)`
)

// Deviations returns Quay's (ffba0c70e) known deviations from the spec,
// by scenario name (see conformance.Target.Known), each saying
// what Quay answers and quoting the sentence it breaks. Each was measured
// against Quay served by this package, with failures.Quay and the target
// of NewTarget; the README's Quay section lists them with their counts.
func Deviations() map[string]string {
	d := map[string]string{}
	add := func(desc string, names ...string) {
		for _, n := range names {
			d[n] = desc
		}
	}
	add("Quay's upload status (GET of the session) and chunk answers give Range bytes=0-<bytes received>, one past "+
		"the last byte received (bytes=0-1024 after 1024 bytes; Quay's own client parses it that way), breaking "+
		sentenceEndOfRange,
		"blob-bad-digest/sha256-chunked", "blob-bad-digest/sha256-chunked-put",
		"chunk-in-order/quay-2-s1", "chunk-in-order/quay-2-s2", "chunk-in-order/quay-2-oci",
		"chunk-in-order/quay-3-s1", "chunk-in-order/quay-3-s2", "chunk-in-order/quay-3-oci",
		"chunk-in-order/quay-6-s1", "chunk-in-order/quay-6-s2", "chunk-in-order/quay-6-oci",
		"chunk-in-order/oci-single-sha256", "chunk-in-order/oci-multi-sha256",
		"chunk-last-in-put/sha256",
		"chunk-gap-416/sha256-first-at-10", "chunk-gap-416/sha256-first-at-1024", "chunk-gap-416/sha256-gap-after-first",
		"chunk-overlap-416/sha256")
	add("Quay answers a by-tag GET of a schema2 (or OCI) manifest whose Accept lists only the OCI (or only the "+
		"Docker schema2) types with a schema1 down-conversion (application/vnd.docker.distribution.manifest.v1+json), "+
		"a type the client did not accept and not the manifest pushed, breaking "+sentenceExpectedManifest,
		"push-empty-layer/s2-oci", "push-empty-layer/oci-s2",
		"push-empty-layer-again/s2-oci", "push-empty-layer-again/oci-s2",
		"push-multi-layer-uncompressed/s2-oci", "push-multi-layer-uncompressed/oci-s2",
		"push-overwrite-tag/s2-oci", "push-overwrite-tag/oci-s2",
		"push-same-blob-twice/s2-oci", "push-same-blob-twice/oci-s2",
		"uni-escaped/s2-oci-latin", "uni-escaped/s2-oci-emoji", "uni-escaped/oci-s2-latin", "uni-escaped/oci-s2-emoji",
		"uni-raw/s2-oci-latin", "uni-raw/s2-oci-emoji", "uni-raw/oci-s2-latin", "uni-raw/oci-s2-emoji",
		"del-manifest-drops-tag/s2-oci", "del-manifest-drops-tag/oci-s2",
		"del-manifest-retagged/s2-oci", "del-manifest-retagged/oci-s2")
	add("Quay refuses a manifest or manifest list naming content the repository does not hold (a blob, a child "+
		"manifest) with 400 MANIFEST_INVALID, without MANIFEST_BLOB_UNKNOWN, breaking "+sentenceBlobUnknown,
		"list-missing-child/docker", "list-missing-child/oci-sparse", "valid-missing-blob-ref/oci-sparse")
	add("Quay answers 202 to the DELETE of a manifest that a tag pointed at before (the tag moved away and back), "+
		"removes the tag, but keeps serving the manifest by its digest (GET 200), breaking "+sentenceDeleted404,
		"del-manifest-retagged/s1-s1", "del-manifest-retagged/s1-s2", "del-manifest-retagged/s1-oci",
		"del-manifest-retagged/s2-s1", "del-manifest-retagged/s2-s2",
		"del-manifest-retagged/oci-s1", "del-manifest-retagged/oci-oci")
	add("Quay answers a manifest PUT with a subject without the OCI-Subject header, though it serves the referrers "+
		"API, breaking "+sentenceOCISubject,
		"ref-artifacts", "ref-index-subject", "ref-missing-subject")
	add("Quay answers the referrers of a digest no manifest has with 400 MANIFEST_INVALID, in a repository that "+
		"exists, breaking "+sentenceReferrers200,
		"ref-empty")
	return d
}
