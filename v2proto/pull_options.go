package v2proto

// pullOptions are the call options of the pull flows (Pull, PullList,
// Delete, DeleteBlob and the blob and manifest reads). Each field's zero
// value is the OCI spec's default behaviour.
type pullOptions struct {
	// accept replaces the Accept header of manifest GETs when acceptSet
	// (an empty accept sends an empty Accept header).
	accept    []string
	acceptSet bool
	// requireType makes Pull require a Content-Type of the call's schema
	// family (Quay's require_matching_manifest_type).
	requireType bool
	// withoutToken makes Pull go on without a token when the auth step met
	// the expected failure (Quay's attempt_pull_without_token).
	withoutToken bool
	// remoteAddr is sent in RemoteAddrHeader (Quay's request_addr).
	remoteAddr string
	// concurrency bounds the blob GETs in flight; 0 means
	// DefaultBlobConcurrency.
	concurrency int
	// deleteByTag makes Delete send a tag as is instead of resolving it.
	deleteByTag bool
	// noDeleteCheck makes Delete and DeleteBlob skip the GET/HEAD that
	// checks the content is gone.
	noDeleteCheck bool
}

// DefaultBlobConcurrency is how many blob GETs Pull keeps in flight at
// most, unless WithBlobConcurrency says otherwise.
const DefaultBlobConcurrency = 4

// WithAccept sets the Accept header of the manifest GETs of Pull,
// PullList, GetManifest and HeadManifest to types joined with ",", in
// place of the defaults (see each method). WithAccept() with no type sends
// an empty "Accept:" header, as old clients did (Quay's accept_mimetypes
// of []). Unlike Quay's client, it applies to schema1 pulls too.
func WithAccept(types ...string) CallOption {
	return func(cc *callConfig) {
		cc.pull.accept = append([]string{}, types...)
		cc.pull.acceptSet = true
	}
}

// WithRequireMatchingType makes Pull require that every manifest it gets
// has a Content-Type of the call's schema family: the Docker schema2
// manifest or manifest list for Schema2, the OCI manifest or index for OCI
// (Quay's require_matching_manifest_type). A Schema1 pull always requires a
// schema1 type. Without it a Schema2 or OCI pull accepts any manifest type
// it can parse, such as a schema1 down-conversion.
func WithRequireMatchingType() CallOption {
	return func(cc *callConfig) { cc.pull.requireType = true }
}

// WithPullWithoutToken makes Pull go on when its expected failure is met at
// the auth step (Quay's attempt_pull_without_token): it sends the manifest
// and blob GETs without credentials. Where the table maps the failure at a
// later step of the pull too (get-manifest, get-blob), the registry must
// refuse it there as well (Quay's anonymous-not-allowed: auth 401, then
// get-manifest 401); otherwise the later steps must succeed.
func WithPullWithoutToken() CallOption {
	return func(cc *callConfig) { cc.pull.withoutToken = true }
}

// WithPullRemoteAddr makes Pull, PullList, Delete, DeleteBlob and the
// blob and manifest reads send RemoteAddrHeader: addr on their manifest and
// blob requests (not on ping and auth), so that a
// registry with Quay's test hook takes them as coming from addr (Quay's
// request_addr, for geo-blocking; Quay's client sent it on blob GETs only).
// An empty addr sends nothing.
func WithPullRemoteAddr(addr string) CallOption {
	return func(cc *callConfig) { cc.pull.remoteAddr = addr }
}

// WithBlobConcurrency sets how many blob GETs Pull keeps in flight at most.
// n < 1 means DefaultBlobConcurrency.
func WithBlobConcurrency(n int) CallOption {
	return func(cc *callConfig) { cc.pull.concurrency = n }
}

// WithDeleteByTag makes Delete send DELETE /v2/<name>/manifests/<tag> for
// a tag as is (distribution v3 deletes the tag only; 2.8 answers 400
// DIGEST_INVALID), instead of resolving the tag to its digest first.
func WithDeleteByTag() CallOption {
	return func(cc *callConfig) { cc.pull.deleteByTag = true }
}

// WithoutDeleteCheck makes Delete and DeleteBlob skip their last step, the
// GET (HEAD for a blob) that checks that what was deleted is gone, for
// registries that delete asynchronously.
func WithoutDeleteCheck() CallOption {
	return func(cc *callConfig) { cc.pull.noDeleteCheck = true }
}
