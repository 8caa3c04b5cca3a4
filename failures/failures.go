// Package failures names the ways a registry may refuse a client and the
// protocol exchanges at which a client observes them.
//
// A [Failure] is a kind of refusal a test may expect: the 25 kinds of Quay's
// test harness, the kinds the OCI distribution spec describes (such as
// [DeleteDisabled], [NameUnknown] and [ManifestBlobUnknown]), or a kind of
// the user's own ([NewFailure]; any valid kebab-case value works). A [Step]
// is one HTTP exchange of the Docker Registry HTTP API v2 / OCI distribution
// API. A [Table] says, for a step and a failure, which answers a given
// registry gives (an [Expectation]: one status or a set of them, and
// optionally which error-body codes), and which status each step answers on
// success. [Quay] is the table of Quay's 2020 test harness, [Distribution]
// the one measured on distribution v3 and docker/distribution 2.8 (both
// exact), [Spec] every answer the OCI distribution spec v1.1 allows (for a
// registry the suite does not know), and [OCI] holds only the success
// statuses of the spec, the base to describe a registry from scratch.
//
// The error codes of the spec's error bodies are constants ([CodeBlobUnknown]
// and the rest), as are the Docker Registry API's codes that registries still
// send ([CodeTagInvalid], [CodeUnknown], ...).
//
// How a client uses a table (the expected-failure rule): a call carries at
// most one expected failure. Every step the call reaches must answer its
// success status, until the call reaches a step at which the table maps the
// expected failure; there the registry must answer one of the mapped
// statuses (and one of the mapped codes, when the table names codes), and
// the call stops with success. Finishing without reaching such a step is an
// error.
package failures

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// A Failure is a kind of refusal a registry answers with. Its value is a
// kebab-case name: lower-case ASCII letters and digits in words joined by
// single hyphens, starting with a letter ([Failure.Valid]).
//
// The kinds are open. The package defines Quay's 25 (the kebab-case names
// of Quay's Failures enum, 2020) and the kinds of refusal the OCI
// distribution spec describes; [All] returns them. Any other valid value is
// a kind of the user's own: it can be mapped with [Table.With] and expected
// by a client like the built-in ones. [NewFailure] gives such a kind a doc
// ([Failure.Doc]) and makes it [Failure.Known], so that [ParseTable] takes
// it without a failure directive.
//
// Each constant's comment says when a registry produces it; for Quay's kinds
// also where Quay's 2020 table ([Quay]) expects a V2 client to observe it,
// and for the spec's kinds the sentence of the spec.
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

// The kinds of refusal the OCI distribution spec v1.1 describes that Quay's
// enum lacks. [Spec] maps each where the spec lets a registry answer it;
// [Quay] and [Distribution] map none of them.
const (
	// DeleteDisabled: the registry does not delete manifests, tags or blobs
	// (distribution without storage.delete.enabled answers 405
	// UNSUPPORTED). Spec, Deleting tags / Deleting Manifests / Deleting
	// Blobs: "If tag deletion is disabled, the registry MUST respond with
	// either a `400 Bad Request` or a `405 Method Not Allowed`." (the same
	// for manifest and blob deletion).
	DeleteDisabled Failure = "delete-disabled"

	// Unsupported: the registry does not implement an optional API the
	// request uses: the catalog, cancelling an upload (neither is in v1.1),
	// the referrers API. Code-13 UNSUPPORTED: "the operation is
	// unsupported". Listing Referrers: "If the referrers API returns a 404,
	// the client MUST fallback to pulling the referrers tag schema."
	Unsupported Failure = "unsupported"

	// NameUnknown: the repository does not exist (never pushed to, or
	// emptied). Code-9 NAME_UNKNOWN: "repository name not known to
	// registry". Pushing Manifests: "An attempt to pull a nonexistent
	// repository MUST return response code `404 Not Found`."
	NameUnknown Failure = "name-unknown"

	// Denied: the registry refuses the action by a policy that no
	// credentials would lift: a quota, an immutable tag, a blocked image.
	// (Credentials that lack a grant another user has are [Unauthorized].)
	// Code-12 DENIED: "requested access to the resource is denied".
	Denied Failure = "denied"

	// TooManyRequests: the registry limits the rate of requests and the
	// client exceeded it. Code-14 TOOMANYREQUESTS: "too many requests";
	// RFC 6585, 4: "The 429 status code indicates that the user has sent
	// too many requests in a given amount of time".
	TooManyRequests Failure = "too-many-requests"

	// BlobUnknown: the blob is not in the repository (never pushed there, or
	// deleted). Code-1 BLOB_UNKNOWN: "blob unknown to registry". Pulling
	// blobs: "If the blob is not found in the repository, the response code
	// MUST be `404 Not Found`."
	BlobUnknown Failure = "blob-unknown"

	// UploadUnknown: the upload session does not exist (cancelled, finished,
	// expired, or never started). Code-3 BLOB_UPLOAD_UNKNOWN: "blob upload
	// unknown to registry"; the Endpoints table lists 404 for end-5, end-6
	// and end-13. No sentence requires a registry to forget a session once
	// it finished or was cancelled (CUE's ociregistry answers 204 to the
	// status of a finished one): a test that expects this kind there
	// demands more than the spec.
	UploadUnknown Failure = "upload-unknown"

	// DigestInvalid: the digest a client names does not match the content
	// (a blob's ?digest= at the end of an upload, a manifest pushed under a
	// digest that is not its own) or is not a digest at all. Code-4
	// DIGEST_INVALID: "provided digest did not match uploaded content".
	DigestInvalid Failure = "digest-invalid"

	// RangeInvalid: a chunk of an upload does not start where the previous
	// one ended. Pushing a blob in chunks: "If a chunk is uploaded out of
	// order, the registry MUST respond with a `416 Requested Range Not
	// Satisfiable` code."
	RangeInvalid Failure = "range-invalid"

	// ManifestBlobUnknown: a manifest or index names a blob or manifest the
	// repository does not hold, and the registry refuses it (which it may
	// also accept). Push: "A registry MAY reject a manifest uploaded to the
	// manifest endpoint with descriptors in other fields that reference a
	// manifest or blob that does not exist in the registry. When a manifest
	// is rejected for this reason, it MUST result in one or more
	// `MANIFEST_BLOB_UNKNOWN` errors".
	ManifestBlobUnknown Failure = "manifest-blob-unknown"
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

	DeleteDisabled,
	Unsupported,
	NameUnknown,
	Denied,
	TooManyRequests,
	BlobUnknown,
	UploadUnknown,
	DigestInvalid,
	RangeInvalid,
	ManifestBlobUnknown,
}

// builtinDocs holds what Failure.Doc returns for the built-in kinds: when a
// registry produces each.
var builtinDocs = map[Failure]string{
	Unauthenticated:            "The registry requires credentials and the call has none that it accepts, typically a wrong password for a known user.",
	Unauthorized:               "The call is authenticated (or anonymous), but its credentials do not grant the action on the repository: the token lacks the scope, the user is not a member.",
	InvalidAuthentication:      "The credentials cannot be used at all: an unknown user, a malformed or expired token, a credential kind the registry does not take.",
	InvalidRegistry:            "The token request names a service the token server does not issue tokens for.",
	InvalidRepository:          "The repository name is not valid for the registry.",
	SlashRepository:            "The repository name has more path components than the registry supports.",
	AppRepository:              "The repository is a Quay application repository, which holds no images.",
	UnknownTag:                 "The tag or digest names no manifest in the repository (never pushed, deleted, or not convertible to a type the client accepts).",
	AnonymousNotAllowed:        "The registry does not serve anonymous clients and the call has no credentials.",
	DisallowedLibraryNamespace: "The repository name has no namespace (the implicit library namespace) and the registry does not support that.",
	MissingTag:                 "A manifest is pushed with an empty reference (PUT /v2/<name>/manifests/).",
	InvalidTag:                 "A manifest is pushed with a tag that does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.",
	InvalidManifest:            "The manifest, or the image config it references, cannot be parsed or fails the registry's validation.",
	InvalidManifestInList:      "A manifest list or index references a child manifest that the repository does not hold, or one that contradicts its entry (platform, media type).",
	InvalidImages:              "A schema1 manifest's v1 image chain is broken: a parent that is missing, or images out of order.",
	UnsupportedContentType:     "The registry does not accept a manifest of the Content-Type (or for the Accept types) the client sends.",
	InvalidBlob:                "The manifest references blobs that the repository does not hold.",
	NamespaceDisabled:          "The namespace of the repository is disabled.",
	UnauthorizedForMount:       "A cross-repository mount names a source repository the client may not read, or that does not hold the blob.",
	GeoBlocked:                 "The client's address is blocked for the namespace.",
	ReadOnly:                   "The repository is in the read-only state: pulls work, pushes are refused.",
	MirrorOnly:                 "The repository is a mirror, and only the mirror's robot may push to it.",
	MirrorMisconfigured:        "The repository is in the mirror state but has no mirror configuration.",
	MirrorRobotMissing:         "The repository is a mirror whose configuration has no robot.",
	ReadonlyRegistry:           "The whole registry is read-only: every write is refused.",
	DeleteDisabled:             "The registry does not delete manifests, tags or blobs: a DELETE is refused with 400 or 405.",
	Unsupported:                "The registry does not implement an optional API the request uses (catalog, upload cancel, referrers).",
	NameUnknown:                "The repository does not exist.",
	Denied:                     "The registry refuses the action by a policy no credentials would lift (a quota, an immutable tag, a blocked image).",
	TooManyRequests:            "The registry limits the rate of requests and the client exceeded it (429).",
	BlobUnknown:                "The blob is not in the repository.",
	UploadUnknown:              "The upload session does not exist (cancelled, finished, expired, or never started).",
	DigestInvalid:              "The digest the client names does not match the content, or is not a digest.",
	RangeInvalid:               "A chunk of an upload does not start where the previous one ended (416).",
	ManifestBlobUnknown:        "A manifest or index names a blob or manifest the repository does not hold, and the registry refuses it with MANIFEST_BLOB_UNKNOWN.",
}

// All returns every built-in failure kind: Quay's 25 in the order of Quay's
// enum, then the spec's kinds ([DeleteDisabled] to [ManifestBlobUnknown]).
// Kinds made with [NewFailure] are not among them. The caller owns the
// returned slice.
func All() []Failure {
	return append([]Failure(nil), allFailures...)
}

var (
	definedMu sync.RWMutex
	defined   = map[Failure]string{} // kinds made with NewFailure, and their docs
)

// NewFailure returns the failure kind name, a kind of the user's own, and
// records doc as what [Failure.Doc] returns for it: when a registry
// produces it. From then on the kind is [Failure.Known], so [ParseTable]
// takes it. Calling NewFailure again with the same name and doc returns the
// same kind.
//
// It panics if name is not a valid kind ([Failure.Valid]), if it is a
// built-in kind, or if it was made before with another doc: two meanings for
// one name are a programming error.
func NewFailure(name, doc string) Failure {
	f := Failure(name)
	if err := f.check(); err != nil {
		panic("failures.NewFailure: " + err.Error())
	}
	if f.builtin() {
		panic(fmt.Sprintf("failures.NewFailure: %q is a built-in kind", name))
	}
	definedMu.Lock()
	defer definedMu.Unlock()
	if old, ok := defined[f]; ok && old != doc {
		panic(fmt.Sprintf("failures.NewFailure: %q made twice, with docs %q and %q", name, old, doc))
	}
	defined[f] = doc
	return f
}

// Doc returns what f means, when a registry produces it: the doc of a
// built-in kind, the doc given to [NewFailure] for a kind made with it, and
// "" for any other value.
func (f Failure) Doc() string {
	if d, ok := builtinDocs[f]; ok {
		return d
	}
	definedMu.RLock()
	defer definedMu.RUnlock()
	return defined[f]
}

// Known reports whether f is a built-in kind (one [All] returns) or one
// made with [NewFailure].
func (f Failure) Known() bool {
	if f.builtin() {
		return true
	}
	definedMu.RLock()
	defer definedMu.RUnlock()
	_, ok := defined[f]
	return ok
}

// builtin reports whether f is one of the kinds All returns.
func (f Failure) builtin() bool {
	_, ok := builtinDocs[f]
	return ok
}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// maxFailureLen bounds the length of a failure kind's name.
const maxFailureLen = 100

// Valid reports whether f can name a kind of failure: kebab-case, that is
// lower-case ASCII letters and digits in words joined by single hyphens,
// starting with a letter, at most 100 bytes ("unknown-tag",
// "tag-immutable", "quota-exceeded2"). Every valid value can be mapped in a
// table; a table can hold no other.
func (f Failure) Valid() bool {
	return f.check() == nil
}

func (f Failure) check() error {
	if len(f) > maxFailureLen || !kebab.MatchString(string(f)) {
		return fmt.Errorf("failure %q, want a kebab-case name (lower-case letters and digits in words joined by single hyphens, starting with a letter, at most %d bytes)", string(f), maxFailureLen)
	}
	return nil
}

// oneLine returns s with every run of white space or unprintable characters
// turned into one space and the ends trimmed, so that it can be written on
// one line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
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
	// session. Success: 202, with Location (a Docker-Upload-UUID is Docker's
	// and optional).
	StartUpload Step = "start-upload"

	// UploadChunk is PATCH of the upload session with a part of the blob (or
	// all of it). Success: 202, with Location and Range.
	UploadChunk Step = "upload-chunk"

	// UploadStatus is GET of the upload session, which reports how much was
	// received. Success: 204, with Location and Range.
	UploadStatus Step = "upload-status"

	// FinishUpload is PUT of the upload session with ?digest=, which
	// completes the blob. Success: 201, with Location (and, optionally,
	// Docker-Content-Digest).
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
	// the blob is there. Success: 200 (the spec says it SHOULD carry
	// Docker-Content-Digest and Content-Length).
	HeadBlob Step = "head-blob"

	// DeleteBlob is DELETE /v2/<name>/blobs/<digest>. Success: 202.
	DeleteBlob Step = "delete-blob"

	// PutManifest is PUT /v2/<name>/manifests/<reference> of an image
	// manifest. Success: 201, with Location (and, optionally,
	// Docker-Content-Digest).
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

	// HeadManifest is HEAD /v2/<name>/manifests/<reference>. Success: 200
	// (the spec says it SHOULD carry Docker-Content-Digest and
	// Content-Length).
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
