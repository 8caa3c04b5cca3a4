package failures

// The error codes of an error body ({"errors":[{"code":...}]}), for
// [Expectation.Codes] and for comparing the codes a client read. They are
// untyped string constants, so that they go wherever a code string goes.
//
// The first fourteen are the OCI distribution spec v1.1's (Error Codes,
// code-1 to code-14): "The `code` field MUST be one of the following". The
// spec also says "A `4XX` response code from the registry MAY return a body
// in any format", so a refusal carries one of them only where a sentence
// requires it (see [Spec]). The descriptions quoted are the spec's table.
const (
	// CodeBlobUnknown (code-1): "blob unknown to registry". Sent for a blob
	// the repository does not hold (GET, HEAD, DELETE of a blob; a mount
	// whose source lacks it).
	CodeBlobUnknown = "BLOB_UNKNOWN"

	// CodeBlobUploadInvalid (code-2): "blob upload invalid". The upload
	// session cannot go on.
	CodeBlobUploadInvalid = "BLOB_UPLOAD_INVALID"

	// CodeBlobUploadUnknown (code-3): "blob upload unknown to registry". The
	// upload session was cancelled, finished, or never started.
	CodeBlobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"

	// CodeDigestInvalid (code-4): "provided digest did not match uploaded
	// content". Also sent for a digest that is not well formed.
	CodeDigestInvalid = "DIGEST_INVALID"

	// CodeManifestBlobUnknown (code-5): "manifest references a manifest or
	// blob unknown to registry". Push: "When a manifest is rejected for this
	// reason, it MUST result in one or more `MANIFEST_BLOB_UNKNOWN` errors".
	CodeManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"

	// CodeManifestInvalid (code-6): "manifest invalid". A manifest that
	// cannot be parsed or fails validation.
	CodeManifestInvalid = "MANIFEST_INVALID"

	// CodeManifestUnknown (code-7): "manifest unknown to registry". No
	// manifest under the tag or digest.
	CodeManifestUnknown = "MANIFEST_UNKNOWN"

	// CodeNameInvalid (code-8): "invalid repository name".
	CodeNameInvalid = "NAME_INVALID"

	// CodeNameUnknown (code-9): "repository name not known to registry".
	CodeNameUnknown = "NAME_UNKNOWN"

	// CodeSizeInvalid (code-10): "provided length did not match content
	// length".
	CodeSizeInvalid = "SIZE_INVALID"

	// CodeUnauthorized (code-11): "authentication required". Sent with a
	// 401 and its WWW-Authenticate challenge.
	CodeUnauthorized = "UNAUTHORIZED"

	// CodeDenied (code-12): "requested access to the resource is denied".
	CodeDenied = "DENIED"

	// CodeUnsupported (code-13): "the operation is unsupported".
	// distribution sends it with 405 for a disabled operation (deletion,
	// writes to a read-only registry).
	CodeUnsupported = "UNSUPPORTED"

	// CodeTooManyRequests (code-14): "too many requests". Sent with 429.
	CodeTooManyRequests = "TOOMANYREQUESTS"
)

// The codes of the Docker Registry HTTP API V2 and distribution
// (registry/api/errcode) that the OCI spec does not list. Registries of
// that lineage still send them. The spec, Legacy Docker support error
// codes: "The client MAY encounter error codes targeting Docker schema1
// manifests, such as `TAG_INVALID`, or `MANIFEST_UNVERIFIED`. These error
// codes are OPTIONAL and clients SHOULD NOT depend on them." The
// descriptions quoted are distribution's.
const (
	// CodeTagInvalid: "manifest tag did not match URI" (a schema1
	// manifest's tag member differs from the tag of the PUT). Some
	// registries send it for a tag that is not valid.
	CodeTagInvalid = "TAG_INVALID"

	// CodeManifestUnverified: "manifest failed signature verification" (a
	// signed schema1 manifest).
	CodeManifestUnverified = "MANIFEST_UNVERIFIED"

	// CodeRangeInvalid: "invalid content range": a chunk out of order,
	// with 416.
	CodeRangeInvalid = "RANGE_INVALID"

	// CodePaginationNumberInvalid: "invalid number of results requested":
	// an n that is not an integer, negative, or above the registry's
	// maximum, with 400.
	CodePaginationNumberInvalid = "PAGINATION_NUMBER_INVALID"

	// CodeUnknown: "unknown error", distribution's code for an error it has
	// no other code for, with 500.
	CodeUnknown = "UNKNOWN"

	// CodeUnavailable: "service unavailable", with 503.
	CodeUnavailable = "UNAVAILABLE"
)

var specCodes = []string{
	CodeBlobUnknown,
	CodeBlobUploadInvalid,
	CodeBlobUploadUnknown,
	CodeDigestInvalid,
	CodeManifestBlobUnknown,
	CodeManifestInvalid,
	CodeManifestUnknown,
	CodeNameInvalid,
	CodeNameUnknown,
	CodeSizeInvalid,
	CodeUnauthorized,
	CodeDenied,
	CodeUnsupported,
	CodeTooManyRequests,
}

// SpecCodes returns the fourteen error codes of the OCI distribution spec
// v1.1, in the order of its table (code-1 to code-14): the codes an error
// body in JSON may carry ("The `code` field MUST be one of the
// following"). The caller owns the returned slice.
func SpecCodes() []string {
	return append([]string(nil), specCodes...)
}
