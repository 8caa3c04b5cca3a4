package v2proto

// pullOptions are the call options of the pull flows (Pull, PullList,
// Delete, DeleteBlob and the blob and manifest reads). Each field's zero
// value is the OCI spec's default behaviour.
type pullOptions struct {
	// requireType makes Pull require a Content-Type of the call's schema
	// family (Quay's require_matching_manifest_type).
	requireType bool
	// withoutToken makes Pull go on without a token when the auth step met
	// the expected failure (Quay's attempt_pull_without_token).
	withoutToken bool
	// deleteByTag makes Delete send a tag as is instead of resolving it.
	deleteByTag bool
	// noDeleteCheck makes Delete and DeleteBlob skip the GET/HEAD that
	// checks the content is gone.
	noDeleteCheck bool
}

// WithAccept sets the Accept header of a call to types joined with ",".
// WithAccept() with no type sends an empty "Accept:" header, as old
// clients did (Quay's accept_mimetypes of []).
//
// On Pull, PullList, GetManifest, GetManifestRaw and HeadManifest it
// replaces the Accept of the manifest requests, whose default lists the
// types of the call's schema (see each method); unlike Quay's client, it
// applies to schema1 pulls too. On Push, PushList, PushManifest, PushBlob,
// PushBlobs and PushContent it is sent on every request after the auth
// step (Quay's accept_mimetypes on push), where by default no Accept is
// sent. Other methods do not read it.
func WithAccept(types ...string) CallOption {
	return func(cc *callConfig) {
		cc.use("WithAccept", union(manifestReaders, pushers)...)
		cc.accept, cc.acceptSet = append([]string{}, types...), true
	}
}

// WithRequireMatchingType makes Pull require that every manifest it gets
// has a Content-Type of the call's schema family: the Docker schema2
// manifest or manifest list for Schema2, the OCI manifest or index for OCI
// (Quay's require_matching_manifest_type). A Schema1 pull always requires a
// schema1 type. By default a Schema2 or OCI pull accepts any manifest type
// it can parse, such as a schema1 down-conversion. Only Pull reads it.
func WithRequireMatchingType() CallOption {
	return func(cc *callConfig) {
		cc.use("WithRequireMatchingType", "Pull")
		cc.pull.requireType = true
	}
}

// WithPullWithoutToken makes Pull go on when its expected failure is met at
// the auth step (Quay's attempt_pull_without_token): it sends the manifest
// and blob GETs without credentials. Where the table maps the failure at a
// later step of the pull too (get-manifest, get-blob), the registry must
// refuse it there as well (Quay's anonymous-not-allowed: auth 401, then
// get-manifest 401); otherwise the later steps must succeed. By default a
// pull stops where its expected failure is met. Only Pull reads it.
func WithPullWithoutToken() CallOption {
	return func(cc *callConfig) {
		cc.use("WithPullWithoutToken", "Pull")
		cc.pull.withoutToken = true
	}
}

// WithDeleteByTag makes Delete send DELETE /v2/<name>/manifests/<tag> for
// a tag as is (distribution v3 deletes the tag only; 2.8 answers 400
// DIGEST_INVALID). By default Delete resolves a tag to its digest first.
// Only Delete reads it.
func WithDeleteByTag() CallOption {
	return func(cc *callConfig) {
		cc.use("WithDeleteByTag", "Delete")
		cc.pull.deleteByTag = true
	}
}

// WithoutDeleteCheck makes Delete and DeleteBlob skip their last step, the
// GET (HEAD for a blob) that checks that what was deleted is gone, for
// registries that delete asynchronously. By default the check is made.
// Only Delete and DeleteBlob read it.
func WithoutDeleteCheck() CallOption {
	return func(cc *callConfig) {
		cc.use("WithoutDeleteCheck", "Delete", "DeleteBlob")
		cc.pull.noDeleteCheck = true
	}
}
