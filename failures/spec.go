package failures

// Spec is the table of every answer the OCI distribution spec v1.1 allows
// (v1.1.1, spec.md), for a registry the suite does not know. Its name is
// "spec". Where [Distribution] and [Quay] say what one registry answers,
// Spec says what any registry may answer: for each failure at each step at
// which the spec lets a registry refuse, the set of statuses it allows,
// and an error code only where a sentence requires one. Everything else
// about the body is free: "A `4XX` response code from the registry MAY
// return a body in any format." (Error Codes).
//
// A status is in a set when the Endpoints table lists it as a failure of
// the endpoint, when a sentence names it, or when it is the HTTP status of
// the condition (RFC 9110: 400 for a request the server will not process,
// 401 and 403 for access, 404 for what is absent, 405 for a method the
// resource does not support, 415 for a media type, 501 for what the server
// does not implement; RFC 6585: 429). No set holds the success status of
// its step: at blob-head-check, where 404 is success, a refusal is told
// from an absent blob at the next step.
//
// Every entry is OrSuccess: a step may also succeed, and the refusal come
// at a later step at which Spec maps the failure (a token server may grant
// a token that the registry then refuses; a registry may take the blobs of
// a manifest it refuses). A call expecting a failure fails when no step
// refuses it, or when a step answers neither its success nor one of the
// answers Spec allows there.
//
// The success statuses are [OCI]'s: the Endpoints table's Success column
// (ping 200, get and head 200, start-upload 202, upload-chunk 202,
// upload-status 204, finish-upload and put-manifest 201, the DELETEs 202,
// mount-blob 201 where a client takes 202 as the fallback), blob-head-check
// 404 ("If the blob or manifest is not found in the repository, the
// response code MUST be `404 Not Found`."), and cancel-upload 204 (not in
// v1.1; the spec's main branch: "If successful, the response SHOULD be a
// `204 No Content` response code.").
//
// OCI and Spec stay two tables: OCI (like [NewTable] and a nil *Table) is
// the empty base a user derives an exact table from, and must not lend
// that table Spec's permissive sets; Spec is the judge of a registry the
// suite does not know.
//
// Kinds that are Quay concepts (invalid-registry, app-repository,
// namespace-disabled, geo-blocked, mirror-only, mirror-misconfigured,
// mirror-robot-missing) have no entry: the spec describes no such refusal,
// and a scenario expecting one skips. Each entry's sentence is quoted in
// the comment above it in spec.go; the entries in short:
//
//   - unauthenticated, invalid-authentication, anonymous-not-allowed,
//     unauthorized: 401 or 403 at auth and at every step after it.
//   - invalid-repository, slash-repository, disallowed-library-namespace:
//     400, 401 or 403 at auth and blob-head-check; 400, 401, 403 or 404 at
//     every other step that names the repository.
//   - unknown-tag: 404 at get-manifest, get-manifest-list, head-manifest;
//     400, 404 or 405 at delete-manifest.
//   - missing-tag, invalid-tag, invalid-manifest, digest-invalid: 400 or 404
//     at put-manifest and put-manifest-list (digest-invalid also at
//     start-upload and finish-upload); invalid-images: 400 or 404 at
//     put-manifest.
//   - invalid-blob (put-manifest), manifest-blob-unknown (put-manifest,
//     put-manifest-list): 400 or 404 MANIFEST_BLOB_UNKNOWN.
//     invalid-manifest-in-list: 400 or 404 at put-manifest-list,
//     MANIFEST_BLOB_UNKNOWN or MANIFEST_INVALID or no code.
//   - unsupported-content-type: 400, 404, 415 or 501 at put-manifest and
//     put-manifest-list.
//   - unauthorized-for-mount: 202 (the fallback upload session), 401, 403
//     or 404 at mount-blob.
//   - read-only, readonly-registry: 401, 403 or 405 at start-upload,
//     mount-blob, put-manifest and put-manifest-list; 400 or 405 at
//     delete-manifest and delete-blob. delete-disabled: 400 or 405 there.
//   - unsupported: 404 at referrers; 400, 404, 405 or 501 at catalog and
//     cancel-upload.
//   - name-unknown: 404 at the manifest and blob reads, list-tags and the
//     DELETEs. blob-unknown: 404 at get-blob, head-blob, delete-blob.
//     upload-unknown: 404 at upload-chunk, upload-status, cancel-upload;
//     400 or 404 at finish-upload.
//   - range-invalid: 416 at upload-chunk and finish-upload.
//   - denied: 403 at every step after auth. too-many-requests: 429 at
//     every step.
var Spec = specTable()

func specTable() *Table {
	t := NewTable("spec")
	// Every entry is OrSuccess: where (at which of the steps a call
	// reaches) a registry refuses is its choice.
	add := func(f Failure, e Expectation, steps ...Step) {
		e.OrSuccess = true
		for _, s := range steps {
			t = t.With(s, f, e)
		}
	}
	set := func(statuses ...int) Expectation {
		return Expectation{Status: statuses[0], Also: statuses[1:]}
	}
	// The steps after auth: every request to /v2/<name>/... or the catalog.
	resource := allSteps[2:]
	// The steps that name a repository in their path, but blob-head-check
	// (whose success is 404).
	named := []Step{StartUpload, MountBlob, GetBlob, HeadBlob, DeleteBlob, PutManifest, PutManifestList,
		GetManifest, GetManifestList, HeadManifest, DeleteManifest, ListTags, Referrers}
	writes := []Step{StartUpload, MountBlob, PutManifest, PutManifestList}
	deletes := []Step{DeleteManifest, DeleteBlob}
	manifestPuts := []Step{PutManifest, PutManifestList}

	// Access. Determining Support: "This endpoint MAY be used for
	// authentication/authorization purposes, but this is out of the
	// purview of this specification." The Endpoints table lists 401 as a
	// failure of end-1; the error codes are code-11 UNAUTHORIZED
	// "authentication required" and code-12 DENIED "requested access to the
	// resource is denied". RFC 7235, 3.1: "The 401 (Unauthorized) status
	// code indicates that the request has not been applied because it lacks
	// valid authentication credentials for the target resource. The server
	// generating a 401 response MUST send a WWW-Authenticate header field";
	// RFC 9110, 15.5.4: "The 403 (Forbidden) status code indicates that the
	// server understood the request but refuses to fulfill it. ... If
	// authentication credentials were provided in the request, the server
	// considers them insufficient to grant access." Docker's token spec
	// uses both: "the registry will return a `403 Forbidden` response to
	// indicate that the token is invalid" (jwt.md), distribution answers
	// 401. Where a registry refuses (the token request, or the request the
	// token is for) is its choice.
	for _, f := range []Failure{Unauthenticated, InvalidAuthentication, AnonymousNotAllowed, Unauthorized} {
		add(f, set(401, 403), Auth)
		add(f, set(401, 403), resource...)
	}

	// A name the registry does not take. Pulling manifests: "Throughout
	// this document, `<name>` MUST match the following regular expression"
	// and, of the length, only an implementers note: "registries should
	// avoid values of `<name>` that would cause this limit to be exceeded."
	// No status is given: code-8 NAME_INVALID "invalid repository name"
	// goes with 400 (RFC 9110, 15.5.1: "the server cannot or will not
	// process the request due to something that is perceived to be a
	// client error"), the Endpoints table lists 404 for every endpoint that
	// names a repository, and a registry with access control may refuse
	// the name's scope first (401 or 403, as above).
	for _, f := range []Failure{InvalidRepository, SlashRepository, DisallowedLibraryNamespace} {
		add(f, set(400, 401, 403), Auth, BlobHeadCheck)
		add(f, set(400, 401, 403, 404), named...)
	}

	// Pulling manifests: "If the manifest is not found in the repository,
	// the response code MUST be `404 Not Found`." Checking if content
	// exists: "If the blob or manifest is not found in the repository, the
	// response code MUST be `404 Not Found`."
	add(UnknownTag, set(404), GetManifest, GetManifestList, HeadManifest)
	// Deleting Manifests gives no status for a manifest that is not there
	// (only "If the repository does not exist, the response MUST return
	// `404 Not Found`."); the Endpoints table lists 404, 400 and 405 for
	// end-9, and Deleting tags: "If tag deletion is disabled, the registry
	// MUST respond with either a `400 Bad Request` or a `405 Method Not
	// Allowed`."
	add(UnknownTag, set(400, 404, 405), DeleteManifest)

	// Pulling manifests: "`<reference>` MUST be either (a) the digest of
	// the manifest or (b) a tag. The `<reference>` MUST NOT be in any other
	// format." and "`<reference>` as a tag MUST be at most 128 characters
	// in length and MUST match the following regular expression". No status
	// is given: the Endpoints table lists 404 for end-7, 400 is the HTTP
	// status of a request the server will not process; no code is required
	// (MANIFEST_INVALID, TAG_INVALID and NAME_INVALID are all sent).
	add(MissingTag, set(400, 404), manifestPuts...)
	add(InvalidTag, set(400, 404), manifestPuts...)

	// Error Codes, code-6 MANIFEST_INVALID "manifest invalid", with no
	// sentence on when; the Endpoints table lists 404 for end-7, and 400 is
	// the HTTP status of a body the server will not process. Schema1's
	// image chain (invalid-images) is Docker's; the spec says nothing more.
	add(InvalidManifest, set(400, 404), manifestPuts...)
	add(InvalidImages, set(400, 404), PutManifest)

	// Push: "A registry MAY reject a manifest uploaded to the manifest
	// endpoint with descriptors in other fields that reference a manifest
	// or blob that does not exist in the registry. When a manifest is
	// rejected for this reason, it MUST result in one or more
	// `MANIFEST_BLOB_UNKNOWN` errors". The one refusal whose code the spec
	// requires. (It may also accept such a manifest: a scenario expecting
	// the refusal treats acceptance as a capability.)
	mbu := Expectation{Status: 400, Also: []int{404}, Codes: []string{CodeManifestBlobUnknown}}
	add(InvalidBlob, mbu, PutManifest)
	add(ManifestBlobUnknown, mbu, manifestPuts...)
	// invalid-manifest-in-list has two causes: an absent child (the
	// sentence above: MANIFEST_BLOB_UNKNOWN) and a child that contradicts
	// its entry (no sentence: MANIFEST_INVALID, or a body without a code).
	// The codes rule out an answer that names a third cause, such as
	// MANIFEST_UNKNOWN for an absent child; expect manifest-blob-unknown to
	// require the code.
	add(InvalidManifestInList, Expectation{Status: 400, Also: []int{404},
		Codes: []string{CodeManifestBlobUnknown, CodeManifestInvalid}, CodeOptional: true}, PutManifestList)

	// A manifest type the registry does not take. The spec's sentence binds
	// the client ("If a manifest includes a `mediaType` field, clients MUST
	// set the `Content-Type` header to the value specified by the
	// `mediaType` field."), so a registry may also accept it. RFC 9110,
	// 15.5.16: "The 415 (Unsupported Media Type) status code indicates that
	// the origin server is refusing to service the request because the
	// content is in a format not supported by this method on the target
	// resource."; 15.6.2: "The 501 (Not Implemented) status code indicates
	// that the server does not support the functionality required to
	// fulfill the request." (code-13 UNSUPPORTED "the operation is
	// unsupported"); 400 with code-6 MANIFEST_INVALID; 404 from the
	// Endpoints table.
	add(UnsupportedContentType, set(400, 404, 415, 501), manifestPuts...)

	// Mounting a blob from another repository: "Alternatively, if a
	// registry does not support cross-repository mounting or is unable to
	// mount the requested blob, it SHOULD return a `202`." The Endpoints
	// table lists 404 for end-11 (a registry answering it breaks the
	// SHOULD, which a check may warn of), and a source the client may not
	// read may be refused as access (401, 403).
	add(UnauthorizedForMount, set(202, 401, 403, 404), MountBlob)

	// Writes to a read-only repository or registry: no sentence. A write
	// refused is code-12 DENIED (401 or 403, as above) or code-13
	// UNSUPPORTED "the operation is unsupported" with 405 (RFC 9110,
	// 15.5.6: "the method received in the request-line is known by the
	// origin server but not supported by the target resource"). Deleting
	// then is disabled: "If manifest deletion is disabled, the registry
	// MUST respond with either a `400 Bad Request` or a `405 Method Not
	// Allowed`." (the same for tags and blobs).
	for _, f := range []Failure{ReadOnly, ReadonlyRegistry} {
		add(f, set(401, 403, 405), writes...)
		add(f, set(400, 405), deletes...)
	}
	// Content Management: "Registries MAY implement deletion or they MAY
	// disable it." and the sentence above.
	add(DeleteDisabled, set(400, 405), deletes...)

	// Listing Referrers: "If the registry supports the referrers API, the
	// registry MUST NOT return a `404 Not Found` to a referrers API
	// requests." and "If the referrers API returns a 404, the client MUST
	// fallback to pulling the referrers tag schema.": 404 is how a registry
	// says it has none.
	add(Unsupported, set(404), Referrers)
	// The catalog and upload cancel are not in v1.1, so the spec constrains
	// nothing: the HTTP statuses of what a server does not implement (404,
	// 405, 501) or will not process (400).
	add(Unsupported, set(400, 404, 405, 501), Catalog, CancelUpload)

	// A repository that does not exist. Pushing Manifests: "An attempt to
	// pull a nonexistent repository MUST return response code `404 Not
	// Found`." Listing Tags: "Assuming a repository is found, this request
	// MUST return a `200 OK` response code." (end-8a lists 404). Deleting
	// Manifests: "If the repository does not exist, the response MUST
	// return `404 Not Found`." Deleting Blobs: "If the blob is not found, a
	// `404 Not Found` code MUST be returned." Not at referrers: there the
	// spec both lists 404 (end-12a) and forbids it ("MUST NOT return a `404
	// Not Found`"), and an empty list is as right.
	add(NameUnknown, set(404), GetBlob, HeadBlob, DeleteBlob, GetManifest, GetManifestList, HeadManifest,
		DeleteManifest, ListTags)

	// Pulling blobs: "If the blob is not found in the repository, the
	// response code MUST be `404 Not Found`." Checking if content exists
	// (the same for HEAD). Deleting Blobs: "If the blob is not found, a
	// `404 Not Found` code MUST be returned."
	add(BlobUnknown, set(404), GetBlob, HeadBlob, DeleteBlob)

	// An upload session that does not exist: code-3 BLOB_UPLOAD_UNKNOWN
	// "blob upload unknown to registry"; the Endpoints table's failures:
	// end-5 (PATCH) 404 (416 is for ranges), end-13 (GET) 404, end-6 (PUT)
	// 404 and 400. Cancel is not in v1.1: 404. (No sentence requires a
	// refusal of a session that finished or was cancelled.)
	add(UploadUnknown, set(404), UploadChunk, UploadStatus, CancelUpload)
	add(UploadUnknown, set(400, 404), FinishUpload)

	// A digest that does not match the content, or is no digest. Single
	// POST: "Likewise, the `<digest>` MUST match the blob's digest."
	// (end-4b: 404, 400); closing PUT: "The closing `PUT` request MUST
	// include the `<digest>` of the whole blob (not the final chunk) as a
	// query parameter." (end-6: 404, 400); Pushing Manifests: "the
	// `<reference>` MUST be either a) a digest or b) a tag." (end-7: 404;
	// 400 with code-4 DIGEST_INVALID "provided digest did not match
	// uploaded content"). No code is required.
	add(DigestInvalid, set(400, 404), StartUpload, FinishUpload, PutManifest, PutManifestList)

	// Pushing a blob in chunks: "If a chunk is uploaded out of order, the
	// registry MUST respond with a `416 Requested Range Not Satisfiable`
	// code." and "The final chunk MAY be uploaded using a `PATCH` request
	// or it MAY be uploaded in the closing `PUT` request."
	add(RangeInvalid, set(416), UploadChunk, FinishUpload)

	// A refusal by policy: code-12 DENIED "requested access to the
	// resource is denied", with 403 (RFC 9110, 15.5.4, above).
	add(Denied, set(403), resource...)

	// Rate limits: code-14 TOOMANYREQUESTS "too many requests"; RFC 6585,
	// 4: "The 429 status code indicates that the user has sent too many
	// requests in a given amount of time ("rate limiting")." Any request
	// may meet one.
	add(TooManyRequests, set(429), allSteps...)
	return t
}
