// Package failures names the ways a registry may refuse a client and the
// protocol exchanges at which a client observes them.
//
// A [Failure] is a kind of refusal a test may expect (the 25 kinds of Quay's
// test harness, in kebab-case). A [Step] is one HTTP exchange of the Docker
// Registry HTTP API v2 / OCI distribution API. A [Table] says, for a step and
// a failure, which status (and optionally which error-body codes) a given
// registry answers, and which status each step answers on success. [Quay] is
// the table of Quay's 2020 test harness, [Distribution] the one measured on
// distribution v3 and docker/distribution 2.8, and [OCI] holds only the
// success statuses of the OCI distribution spec.
//
// How a client uses a table (the expected-failure rule): a call carries at
// most one expected failure. Every step the call reaches must answer its
// success status, until the call reaches a step at which the table maps the
// expected failure; there the registry must answer the mapped status (and one
// of the mapped codes, when the table names codes), and the call stops with
// success. Finishing without reaching such a step is an error.
package failures

// A Failure is a kind of refusal a registry answers with. The values are
// the kebab-case names of Quay's Failures enum (2020, 25 members).
//
// Each constant's comment says when a registry should produce it, and where
// Quay's 2020 table ([Quay]) expects a V2 client to observe it.
type Failure string

const (
	// Unauthenticated: the registry requires credentials and the call has
	// none that it accepts, typically a wrong password for a known user.
	// Quay: auth 401 (test_push_invalid_credentials,
	// test_pull_invalid_credentials).
	Unauthenticated Failure = "unauthenticated"

	// Unauthorized: the call is authenticated (or anonymous and allowed to
	// authenticate), but its credentials do not grant the action on the
	// repository: the token lacks the scope, the user is not a member. The
	// registry refuses the request itself, with a WWW-Authenticate challenge.
	// Quay: get-manifest 401 (test_pull_publicrepo_anonymous,
	// test_basic_organization_flow).
	Unauthorized Failure = "unauthorized"

	// InvalidAuthentication: the credentials cannot be used at all: an
	// unknown user, a malformed or expired token, a credential kind the
	// registry does not take. Quay: auth 401 (mapped; no 2020 V2 test
	// produces it).
	InvalidAuthentication Failure = "invalid-authentication"

	// InvalidRegistry: the token request names a service the token server
	// does not issue tokens for. Quay: auth 400 (mapped; no 2020 V2 test
	// produces it).
	InvalidRegistry Failure = "invalid-registry"

	// InvalidRepository: the repository name is not valid, for example a
	// component of 256 characters. Quay: auth 400 (test_push_reponame).
	InvalidRepository Failure = "invalid-repository"

	// SlashRepository: the repository name has more path components than the
	// registry supports (Quay: "ns/some/slash"). Quay: auth 400
	// (test_push_reponame).
	SlashRepository Failure = "slash-repository"

	// AppRepository: the repository is a Quay application repository, which
	// holds no images. Quay: auth 405 (test_application_repo).
	AppRepository Failure = "app-repository"

	// UnknownTag: the tag or digest names no manifest in the repository
	// (never pushed, deleted, or not convertible to a type the client
	// accepts). Quay: get-manifest 404 (test_delete_tag,
	// test_pull_manifest_list_schema2_only, test_basic_push_by_manifest_digest).
	UnknownTag Failure = "unknown-tag"

	// AnonymousNotAllowed: the registry does not serve anonymous clients and
	// the call has no credentials. Quay: auth 401, and get-manifest 401 for a
	// client that carries on without a token
	// (test_pull_publicrepo_no_anonymous_access).
	AnonymousNotAllowed Failure = "anonymous-not-allowed"

	// DisallowedLibraryNamespace: the repository name has no namespace (the
	// implicit library namespace) and the registry does not support that.
	// Quay: blob-head-check, start-upload, put-manifest and get-manifest 400
	// (test_push_library_with_support_disabled,
	// test_pull_library_with_support_disabled).
	DisallowedLibraryNamespace Failure = "disallowed-library-namespace"

	// MissingTag: a manifest is pushed with an empty tag
	// (PUT /v2/<name>/manifests/). Quay: put-manifest 404
	// (test_tag_validaton).
	MissingTag Failure = "missing-tag"

	// InvalidTag: a manifest is pushed with a tag that does not match
	// [\w][\w.-]{0,127}. Quay: put-manifest 404 (test_tag_validaton).
	InvalidTag Failure = "invalid-tag"

	// InvalidManifest: the manifest, or the image config it references,
	// cannot be parsed or fails the registry's validation. Quay: put-manifest
	// 400 (test_malformed_schema2_config).
	InvalidManifest Failure = "invalid-manifest"

	// InvalidManifestInList: a manifest list or index references a child
	// manifest that the repository does not hold, or one that contradicts its
	// entry (platform, media type). Quay: put-manifest-list 400
	// (test_push_manifest_list_missing_manifest,
	// test_attempt_push_mismatched_manifest).
	InvalidManifestInList Failure = "invalid-manifest-in-list"

	// InvalidImages: a schema1 manifest's v1 image chain is broken: a parent
	// that is missing, or images out of order. Quay: put-manifest 400
	// (test_invalid_parent, test_wrong_image_order).
	InvalidImages Failure = "invalid-images"

	// UnsupportedContentType: the registry does not accept a manifest of the
	// Content-Type (or for the Accept types) the client sends. Quay:
	// put-manifest 415 (mapped; the 2020 tests no longer produce it).
	UnsupportedContentType Failure = "unsupported-content-type"

	// InvalidBlob: the manifest references blobs that the repository does not
	// hold. Quay: put-manifest 400 (test_invalid_blob_reference).
	InvalidBlob Failure = "invalid-blob"

	// NamespaceDisabled: the namespace of the repository is disabled. Quay:
	// auth 405 (test_push_disabled_namespace, test_pull_disabled_namespace,
	// test_tags_disabled_namespace).
	NamespaceDisabled Failure = "namespace-disabled"

	// UnauthorizedForMount: a cross-repository mount names a source
	// repository the client may not read (or that does not hold the blob).
	// Quay refuses the mount by opening a plain upload session instead:
	// mount-blob 202 (test_blob_mounting).
	UnauthorizedForMount Failure = "unauthorized-for-mount"

	// GeoBlocked: the client's address is blocked for the namespace. Quay:
	// get-blob 403 (test_geo_blocking; a 2020 V2 pull stops before it).
	GeoBlocked Failure = "geo-blocked"

	// ReadOnly: the repository is in the read-only state: pulls work, pushes
	// are refused. Quay: start-upload, put-manifest and put-manifest-list 401
	// (test_repository_states).
	ReadOnly Failure = "read-only"

	// MirrorOnly: the repository is a mirror, and only the mirror's robot may
	// push to it. Quay: start-upload, put-manifest and put-manifest-list 401
	// (test_repository_states).
	MirrorOnly Failure = "mirror-only"

	// MirrorMisconfigured: the repository is in the mirror state but has no
	// mirror configuration. Quay: start-upload, put-manifest and
	// put-manifest-list 401 (test_repository_states).
	MirrorMisconfigured Failure = "mirror-misconfigured"

	// MirrorRobotMissing: the repository is a mirror whose configuration has
	// no robot. Quay: start-upload, put-manifest and put-manifest-list 401
	// (mapped; no 2020 test produces it).
	MirrorRobotMissing Failure = "mirror-robot-missing"

	// ReadonlyRegistry: the whole registry is read-only: every write is
	// refused. Quay: mount-blob, start-upload, put-manifest and
	// put-manifest-list 405 (test_readonly_push_pull).
	ReadonlyRegistry Failure = "readonly-registry"
)

var allFailures = []Failure{
	Unauthenticated,
	Unauthorized,
	InvalidAuthentication,
	InvalidRegistry,
	InvalidRepository,
	SlashRepository,
	AppRepository,
	UnknownTag,
	AnonymousNotAllowed,
	DisallowedLibraryNamespace,
	MissingTag,
	InvalidTag,
	InvalidManifest,
	InvalidManifestInList,
	InvalidImages,
	UnsupportedContentType,
	InvalidBlob,
	NamespaceDisabled,
	UnauthorizedForMount,
	GeoBlocked,
	ReadOnly,
	MirrorOnly,
	MirrorMisconfigured,
	MirrorRobotMissing,
	ReadonlyRegistry,
}

// All returns every failure kind, in the order of Quay's enum. The caller
// owns the returned slice.
func All() []Failure {
	return append([]Failure(nil), allFailures...)
}

// Known reports whether f is one of the kinds [All] returns.
func (f Failure) Known() bool {
	return index(allFailures, f) >= 0
}

// A Step is one HTTP exchange of the registry protocol, the place at which a
// client checks the status a registry answers. The values are kebab-case;
// Quay's V2ProtocolSteps are among them with the same values.
type Step string

const (
	// Ping is GET /v2/ without credentials. It succeeds with 200, or with 401
	// and a WWW-Authenticate challenge on a registry that requires
	// credentials.
	Ping Step = "ping"

	// Auth is the authentication exchange the registry's challenge asks for:
	// for Bearer, GET of the challenge's realm with service, scope and
	// account parameters (and Basic credentials when the call has them);
	// for Basic, GET /v2/ with the credentials. Success: 200.
	Auth Step = "auth"

	// BlobHeadCheck is HEAD /v2/<name>/blobs/<digest> before an upload, to
	// see that the blob is not there yet. Success: 404.
	BlobHeadCheck Step = "blob-head-check"

	// StartUpload is POST /v2/<name>/blobs/uploads/, which opens an upload
	// session. Success: 202, with Location and Docker-Upload-UUID.
	StartUpload Step = "start-upload"

	// UploadChunk is PATCH of the upload session with a part of the blob (or
	// all of it). Success: 202, with Location and Range.
	UploadChunk Step = "upload-chunk"

	// UploadStatus is GET of the upload session, which reports how much was
	// received. Success: 204, with Range and Docker-Upload-UUID.
	UploadStatus Step = "upload-status"

	// FinishUpload is PUT of the upload session with ?digest=, which
	// completes the blob. Success: 201, with Docker-Content-Digest.
	FinishUpload Step = "finish-upload"

	// CancelUpload is DELETE of the upload session. Success: 204.
	CancelUpload Step = "cancel-upload"

	// MountBlob is POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<name>,
	// a cross-repository mount. Success: 201 (mounted); a registry that
	// cannot mount opens an upload session instead (202).
	MountBlob Step = "mount-blob"

	// GetBlob is GET /v2/<name>/blobs/<digest>. Success: 200 (the content).
	GetBlob Step = "get-blob"

	// HeadBlob is HEAD /v2/<name>/blobs/<digest> after an upload, to see that
	// the blob is there. Success: 200, with Docker-Content-Digest and
	// Content-Length.
	HeadBlob Step = "head-blob"

	// DeleteBlob is DELETE /v2/<name>/blobs/<digest>. Success: 202.
	DeleteBlob Step = "delete-blob"

	// PutManifest is PUT /v2/<name>/manifests/<reference> of an image
	// manifest. Success: 201, with Docker-Content-Digest and Location.
	PutManifest Step = "put-manifest"

	// PutManifestList is PUT /v2/<name>/manifests/<reference> of a manifest
	// list or an image index. Success: 201.
	PutManifestList Step = "put-manifest-list"

	// GetManifest is GET /v2/<name>/manifests/<reference> of an image
	// manifest. Success: 200.
	GetManifest Step = "get-manifest"

	// GetManifestList is GET /v2/<name>/manifests/<reference> of a manifest
	// list or an image index. Success: 200.
	GetManifestList Step = "get-manifest-list"

	// HeadManifest is HEAD /v2/<name>/manifests/<reference>. Success: 200,
	// with Docker-Content-Digest, Content-Type and Content-Length.
	HeadManifest Step = "head-manifest"

	// DeleteManifest is DELETE /v2/<name>/manifests/<reference>. Success:
	// 202.
	DeleteManifest Step = "delete-manifest"

	// ListTags is GET /v2/<name>/tags/list (one page). Success: 200.
	ListTags Step = "list-tags"

	// Catalog is GET /v2/_catalog (one page). Success: 200.
	Catalog Step = "catalog"

	// Referrers is GET /v2/<name>/referrers/<digest>. Success: 200 (an
	// image index).
	Referrers Step = "referrers"
)

var allSteps = []Step{
	Ping,
	Auth,
	BlobHeadCheck,
	StartUpload,
	UploadChunk,
	UploadStatus,
	FinishUpload,
	CancelUpload,
	MountBlob,
	GetBlob,
	HeadBlob,
	DeleteBlob,
	PutManifest,
	PutManifestList,
	GetManifest,
	GetManifestList,
	HeadManifest,
	DeleteManifest,
	ListTags,
	Catalog,
	Referrers,
}

// Steps returns every step, in protocol order (ping and auth first, then
// blobs, manifests, tags, catalog and referrers). The caller owns the
// returned slice.
func Steps() []Step {
	return append([]Step(nil), allSteps...)
}

// Known reports whether s is one of the steps [Steps] returns.
func (s Step) Known() bool {
	return index(allSteps, s) >= 0
}

func index[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
