package v2proto

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/registrytest/registrytest/failures"
)

// A CallOption configures one call of a Client method (Ping, Token,
// Exchange, the flows Push, Pull, Tags, ...) or of BuildManifest.
//
// Each option states which methods read it (its doc says which, and
// "every method" means every method that takes CallOptions); given to
// another method it is an error, returned by the call before it sends
// anything:
//
//	v2proto.Tags: option WithSchema is not read by Tags (only by Push, PushList, Pull, BuildManifest)
//
// so that a test does not silently test less than its author wrote. The
// options that take a struct (WithUpload, WithBlobChecks, WithBuild,
// WithLimits, WithHeaders) are checked field by field: a field set to a
// value other than its zero value names itself ("Limits.MaxConfigSize is
// not read by Tags"). ExpectFailure and the struct options may be given
// once per call; a second is an error too (it would otherwise replace the
// first silently).
//
// The check is made when the call runs, not by the compiler, on purpose:
// per-method option types (regclient's style) would make a wrong option
// fail to compile, but an option read by several groups of methods
// (ExpectFailure, WithCredentials, WithAccept, WithLimits: nearly all of
// them) would need a type per group it serves, so that a user meets a
// dozen option types instead of one; a []CallOption built once could no
// longer go to several calls (the conformance scenarios do that); and a
// type cannot say which field of a struct option a method reads. The
// runtime check costs one run of the test to find a misplaced option, and
// its error names the option and the methods that read it.
//
// Options at a glance (each default is also stated in the option's doc):
//
//	WithCredentials(user, password)  anonymous
//	WithScopes(scopes...)            each method's own scopes
//	ExpectFailure(f)                 no failure expected
//	WithSchema(s)                    Schema2
//	WithAccept(types...)             each method's Accept (none on a push)
//	WithPageSize(n), WithLast(last)  no n, no last
//	WithArtifactType(t)              every referrer
//	WithReferrersMode(m)             ReferrersAuto
//	WithLimits(Limits{...})          the Default... constants
//	WithUpload(Upload{...})          one PATCH per blob (UploadPatch)
//	WithBlobChecks(BlobChecks{...})  HEAD first and skip a present blob; GET after
//	WithBuild(Build{...})            manifests as real clients build them
//	WithPushByDigest()               put at each tag
//	WithTagParams(tags...)           no ?tag=
//	WithHeaders(Headers{...})        no extra header
//	WithRequireMatchingType()        any manifest type Pull can parse
//	WithPullWithoutToken()           stop where the failure is met
//	WithDeleteByTag()                resolve a tag to its digest first
//	WithoutDeleteCheck()             check that deleted content is gone
//
// Quay's ProtocolOptions map onto them: accept_mimetypes WithAccept;
// chunks_for_upload Upload.Chunks; skip_head_checks BlobChecks.Head
// (HeadNone); skip_blob_push_checks BlobChecks.SkipGet; cancel_blob_upload
// Upload.Cancel; mount_blobs Upload.Mounts; push_by_manifest_digest
// WithPushByDigest; manifest_content_type Headers.ManifestContentType;
// request_addr Headers.RemoteAddr; manifest_invalid_blob_references
// Build.InvalidBlobReferences (with ExpectFailure(failures.InvalidBlob));
// with_broken_manifest_config Build.BrokenConfig; ensure_ascii
// Build.EnsureASCII;
// require_matching_manifest_type WithRequireMatchingType;
// attempt_pull_without_token WithPullWithoutToken; scopes WithScopes;
// Quay's fresh repositories BlobChecks.Head (HeadWantAbsent).
type CallOption func(*callConfig)

// The methods that take CallOptions, as newCall names them, and
// BuildManifest. Every reader an option names is one of them (a test
// checks it).
var callMethods = []string{
	"Ping", "Token", "Exchange",
	"Push", "PushList", "PushManifest", "PushBlob", "PushBlobs", "PushContent",
	"Pull", "PullList", "GetManifest", "GetManifestRaw", "HeadManifest",
	"GetBlob", "HeadBlob", "GetBlobRange", "Delete", "DeleteBlob",
	"Tags", "TagPages", "Catalog", "CatalogPages", "Referrers",
	"BuildManifest",
}

// Groups of methods that read the same options.
var (
	// uploaders upload blobs (the blob-upload steps).
	uploaders = []string{"Push", "PushList", "PushContent", "PushBlob", "PushBlobs"}
	// pushers send the requests of a push (pushRequest).
	pushers = []string{"Push", "PushList", "PushManifest", "PushBlob", "PushBlobs", "PushContent"}
	// builders build image manifests from fixtures.
	builders = []string{"Push", "PushList", "BuildManifest"}
	// manifestPutters put manifests at tags or digests they choose.
	manifestPutters = []string{"Push", "PushList", "PushContent"}
	// manifestReaders get manifests with an Accept header.
	manifestReaders = []string{"Pull", "PullList", "GetManifest", "GetManifestRaw", "HeadManifest"}
	// contentReaders read or delete manifests and blobs.
	contentReaders = []string{"Pull", "PullList", "GetManifest", "GetManifestRaw", "HeadManifest",
		"GetBlob", "HeadBlob", "GetBlobRange", "Delete", "DeleteBlob"}
	// transferers move several blobs (Limits.Concurrency).
	transferers = []string{"Push", "PushList", "PushContent", "PushBlobs", "Pull"}
)

// An optionUse is an option applied to a call: its name and the methods
// that read it (nil: every method but except), and whether it may be
// given once only.
type optionUse struct {
	name    string
	readers []string
	except  []string // methods that do not read it, with readers nil
	once    bool
}

// use records that the option named name was applied, and which methods
// read it (none listed: every method). An option's function starts with
// it, one line:
//
//	return func(cc *callConfig) {
//		cc.use("WithPageSize", "Tags", "Catalog")
//		...
//	}
//
// newCall then refuses the option on a call of another method.
func (cc *callConfig) use(name string, readers ...string) {
	cc.used = append(cc.used, optionUse{name: name, readers: readers})
}

// useExcept records that the option named name was applied, and that
// every method reads it except those named.
func (cc *callConfig) useExcept(name string, except ...string) {
	cc.used = append(cc.used, optionUse{name: name, except: except})
}

// useOnce is use for an option that a call may be given at most once.
func (cc *callConfig) useOnce(name string, readers ...string) {
	cc.used = append(cc.used, optionUse{name: name, readers: readers, once: true})
}

// useOnceExcept is useExcept for an option that a call may be given at
// most once.
func (cc *callConfig) useOnceExcept(name string, except ...string) {
	cc.used = append(cc.used, optionUse{name: name, except: except, once: true})
}

// useField records that the field named name (as "Limits.MaxPages") of a
// struct option was set, when set; read by readers.
func (cc *callConfig) useField(set bool, name string, readers ...string) {
	if set {
		cc.use(name, readers...)
	}
}

// union returns the methods of every group, in callMethods order.
func union(groups ...[]string) []string {
	var out []string
	for _, m := range callMethods {
		for _, g := range groups {
			if slices.Contains(g, m) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// checkOptions returns an error naming the first option of used that
// method does not read, or that is given twice though it may be given once
// only; nil when there is none.
func checkOptions(method string, used []optionUse) error {
	seen := map[string]bool{}
	for _, u := range used {
		if u.readers != nil && !slices.Contains(u.readers, method) {
			return fmt.Errorf("v2proto.%s: option %s is not read by %s (only by %s)", method, u.name, method, strings.Join(u.readers, ", "))
		}
		if slices.Contains(u.except, method) {
			return fmt.Errorf("v2proto.%s: option %s is not read by %s (read by every method but %s)", method, u.name, method, strings.Join(u.except, ", "))
		}
		if u.once && seen[u.name] {
			return fmt.Errorf("v2proto.%s: option %s given twice, want at most one", method, u.name)
		}
		seen[u.name] = true
	}
	return nil
}

// callConfig is what a call's options set. It grows with the flows: each
// new option adds a field here whose zero value is the OCI spec's default
// behaviour, and a With... function that sets it. Flow methods read it
// through their *call.
type callConfig struct {
	// Credentials; hasCreds is false for an anonymous call.
	user, password string
	hasCreds       bool

	// Token scopes; scopesSet distinguishes "no scope at all"
	// (WithScopes()) from "the flow's default scopes".
	scopes    []string
	scopesSet bool

	// The expected failure, "" for none.
	failure failures.Failure

	// used are the options applied that say which methods read them (see
	// use); newCall checks them.
	used []optionUse

	// The manifest schema of a flow ("" = Schema2).
	schema Schema

	// accept (WithAccept) replaces the Accept header of manifest GETs and
	// is sent on the requests of a push, when acceptSet (an empty accept
	// sends an empty Accept header).
	accept    []string
	acceptSet bool
	// remoteAddr (Headers.RemoteAddr) is sent in RemoteAddrHeader (Quay's
	// request_addr).
	remoteAddr string

	// Each group of flows keeps its options in a struct of its own, declared
	// in its own file.
	push    pushOptions    // push_options.go: Push, PushList, blob uploads
	pull    pullOptions    // pull_options.go: Pull, PullList, Delete
	listing listingOptions // listing_options.go: Tags, Catalog, Referrers
	limits  limitOptions   // limits.go: caps on what a call reads
}

// WithCredentials makes the call authenticate as user with password: Basic
// credentials on the token request of a Bearer challenge, or on every
// request of a Basic one. Without it a call is anonymous. Every method
// reads it but Ping (which sends no credentials) and BuildManifest.
func WithCredentials(user, password string) CallOption {
	return func(cc *callConfig) {
		cc.useExcept("WithCredentials", "Ping", "BuildManifest")
		cc.user, cc.password, cc.hasCreds = user, password, true
	}
}

// WithScopes sets the scopes of the call's token request, each in the form
// "repository:ns/repo:pull,push" (one scope parameter each). WithScopes()
// with no scope asks for a token without any scope. Without it each method
// asks for its default scopes (for example repository:<name>:pull to pull;
// Exchange: none; see WithScopeGrammar). Every method reads it but Ping,
// which does not authenticate, Token, which takes its scopes as an
// argument, and BuildManifest.
func WithScopes(scopes ...string) CallOption {
	return func(cc *callConfig) {
		cc.useExcept("WithScopes", "Ping", "Token", "BuildManifest")
		cc.scopes, cc.scopesSet = slices.Clone(scopes), true
	}
}

// ExpectFailure makes the call expect the registry to refuse it with
// failure f, per the client's table: the call runs as usual until a step at
// which the table maps f; there the registry must answer the mapped status
// (and one of the mapped error codes, when the table names some), and the
// call stops and returns nil (and no result). Another answer there is a
// *StatusError; finishing without reaching such a step is a
// *MissedFailureError. An empty f expects no failure, which is the
// default. Every method reads it but BuildManifest. No option makes a call
// expect a failure on its own: a call that builds content a registry must
// refuse (Build.InvalidBlobReferences) says so with ExpectFailure.
//
// A call takes at most one ExpectFailure: a second one is an error of the
// call (it would otherwise replace the first silently).
func ExpectFailure(f failures.Failure) CallOption {
	return func(cc *callConfig) {
		cc.useOnceExcept("ExpectFailure", "BuildManifest")
		cc.failure = f
	}
}

// A call is the state of one method call: its options, and what the call
// learnt on the way. Flow methods create one with newCall, pass it to
// begin and exchange, and finish with end.
type call struct {
	callConfig
	name string // the method, for errors: "Pull"
	// optErr is the error of an option the method does not read or that
	// is given twice (checkOptions); the call returns it at its ping,
	// before it sends anything.
	optErr error

	// satisfied reports that the expected failure was met at a step.
	satisfied bool
	// authz is the Authorization header value for requests to the
	// registry, "" for none. begin sets it; a flow may clear it (to send
	// requests without a token).
	authz string
	// token is the Bearer token begin obtained, "" for none; tokenKey its
	// key in the client's token cache.
	token    string
	tokenKey *tokenKey
	// challenge is the Bearer challenge the token came from, asked the
	// scopes the token was asked for (see Client.do).
	challenge *Challenge
	asked     []string
	// secrets are the strings that must never reach a log line or an
	// error text: first (secrets[:keep]) the password, the Basic
	// credentials, tokens, kept for the whole call; then the values of
	// hidden query parameters of the latest requests (at most
	// maxQuerySecrets of them: a registry's Links can make a call send
	// thousands of URLs).
	secrets []string
	keep    int
}

// maxQuerySecrets is how many hidden query values a call keeps to redact.
const maxQuerySecrets = 64

// newCall returns the state of a call of the method named name with opts
// applied.
func (c *Client) newCall(name string, opts []CallOption) *call {
	cl := &call{name: name}
	cl.optErr = cl.callConfig.apply(name, opts)
	if cl.hasCreds {
		cl.addSecret(cl.password)
		cl.addSecret(basicValue(cl.user, cl.password))
		cl.addSecret(base64.StdEncoding.EncodeToString([]byte(cl.user + ":" + cl.password)))
	}
	return cl
}

// apply applies opts to cc for a call of the method named method, and
// returns the error of an option that method does not read, or that is
// given twice though it may be given once only (checkOptions).
func (cc *callConfig) apply(method string, opts []CallOption) error {
	for _, o := range opts {
		if o != nil {
			o(cc)
		}
	}
	return checkOptions(method, cc.used)
}

func basicValue(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// addSecret adds s to the secrets kept for the whole call.
func (cl *call) addSecret(s string) {
	if s == "" {
		return
	}
	if i := slices.Index(cl.secrets, s); i >= cl.keep {
		cl.secrets = slices.Delete(cl.secrets, i, i+1)
	} else if i >= 0 {
		return
	}
	cl.keep = min(cl.keep, len(cl.secrets))
	cl.secrets = slices.Insert(cl.secrets, cl.keep, s)
	cl.keep++
}

// addQuerySecret adds s to the hidden query values, dropping the oldest
// beyond maxQuerySecrets.
func (cl *call) addQuerySecret(s string) {
	if s == "" || slices.Contains(cl.secrets, s) {
		return
	}
	cl.keep = min(cl.keep, len(cl.secrets))
	if len(cl.secrets)-cl.keep >= maxQuerySecrets {
		cl.secrets = slices.Delete(cl.secrets, cl.keep, cl.keep+1)
	}
	cl.secrets = append(cl.secrets, s)
}

// addQuerySecrets adds the values of u's query parameters that redactURL
// hides.
func (cl *call) addQuerySecrets(u *url.URL) {
	for _, part := range strings.Split(u.RawQuery, "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			continue
		}
		if name, err := url.QueryUnescape(k); err == nil && safeQuery[name] {
			continue
		}
		cl.addQuerySecret(v)
		if uv, err := url.QueryUnescape(v); err == nil {
			cl.addQuerySecret(uv)
		}
	}
}

// scopesOr returns the call's scopes when WithScopes set them, else
// defaults.
func (cl *call) scopesOr(defaults []string) []string {
	if cl.scopesSet {
		return cl.scopes
	}
	return defaults
}

// expecting reports whether the call expects a failure not met yet.
func (cl *call) expecting() bool {
	return cl.failure != "" && !cl.satisfied
}

// end finishes a call: it returns err when the flow failed, a
// *MissedFailureError when the call expected a failure and never met it,
// and nil otherwise. Flow methods end with it:
//
//	defer func() { err = cl.end(c, err) }()
func (cl *call) end(c *Client, err error) error {
	if err != nil {
		return err
	}
	if cl.expecting() {
		return &MissedFailureError{Call: cl.name, Failure: cl.failure, Table: c.table.Name(), Steps: c.table.StepsFor(cl.failure)}
	}
	return nil
}
