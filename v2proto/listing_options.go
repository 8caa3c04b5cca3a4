package v2proto

import "strconv"

// Defaults of the listing flows' bounds.
const (
	// DefaultMaxPages is how many pages Tags, Catalog and Referrers request
	// at most unless Limits.MaxPages sets another limit.
	DefaultMaxPages = 10000
	// DefaultMaxPageBody is how many bytes of one page's body (or of the
	// referrers tag-schema index) the listing flows read at most unless
	// Limits.MaxPageBody sets another cap.
	DefaultMaxPageBody = 4 << 20
	// DefaultMaxTotalBody is how many bytes of page bodies a listing call
	// reads at most over all its pages unless
	// Limits.MaxTotalBody sets another cap.
	DefaultMaxTotalBody = 64 << 20
	// MaxNextURL is the longest path and query (the request target) of a
	// next page that the listing flows follow; a Link to a longer one is
	// an error (servers commonly refuse request lines past 8 KiB).
	MaxNextURL = 8 << 10
	// DefaultMaxEntries is how many entries (tags, repositories,
	// descriptors) a listing call collects at most over all its pages
	// unless Limits.MaxEntries sets another limit.
	DefaultMaxEntries = 1 << 20
)

// The methods that read the listing options (see callConfig.use).
var (
	listingPaged  = []string{"Tags", "TagPages", "Catalog", "CatalogPages"}
	listingAll    = []string{"Tags", "TagPages", "Catalog", "CatalogPages", "Referrers"}
	referrersOnly = []string{"Referrers"}
)

// listingOptions are the call options of the listing flows. Each field's zero value is the
// OCI spec's default behaviour.
type listingOptions struct {
	// pageSize is the n query parameter of the first request; sent only
	// when pageSizeSet.
	pageSize    int
	pageSizeSet bool
	// last is the last query parameter of the first request; sent only
	// when not empty.
	last string
	// Bounds; 0 means the Default... constant.
	maxPages     int
	maxPageBody  int64
	maxTotalBody int64
	maxEntries   int
	// artifactType filters referrers; "" means no filter.
	artifactType string
	// referrersMode chooses the API, the tag schema or both.
	referrersMode ReferrersMode
}

// WithPageSize makes Tags, TagPages, Catalog and CatalogPages send the query parameter n (the page
// size) on their first request, and check that every page holds at most n
// entries when n >= 0 (and, when n is 0, that the registry sends no next
// Link, as the OCI spec requires). A negative n is sent as it is and not
// checked. The default sends no n: the registry chooses the page size.
// Pages after the first are requested at the URL of the registry's Link,
// which carries the registry's own parameters.
func WithPageSize(n int) CallOption {
	return func(cc *callConfig) {
		cc.use("WithPageSize", listingPaged...)
		cc.listing.pageSize, cc.listing.pageSizeSet = n, true
	}
}

// WithLast makes Tags, TagPages, Catalog and CatalogPages send the query parameter last on their
// first request: the registry should list only the entries after last, in
// lexical order. The default, "", sends none.
func WithLast(last string) CallOption {
	return func(cc *callConfig) {
		cc.use("WithLast", listingPaged...)
		cc.listing.last = last
	}
}

// WithArtifactType makes Referrers ask the registry to list only the
// referrers of artifact type t (the artifactType query parameter). The
// registry reports in OCI-Filters-Applied whether it applied the filter;
// ReferrersResult.Matching applies it on the client side either way. The
// default, "", asks for every referrer. Only Referrers reads it.
func WithArtifactType(t string) CallOption {
	return func(cc *callConfig) {
		cc.use("WithArtifactType", referrersOnly...)
		cc.listing.artifactType = t
	}
}

// A ReferrersMode says how Referrers finds the referrers of a manifest.
type ReferrersMode int

const (
	// ReferrersAuto asks the referrers API and, when it answers 404, reads
	// the referrers tag schema, as the OCI distribution spec requires of
	// clients. It is the default.
	ReferrersAuto ReferrersMode = iota
	// ReferrersAPIOnly asks the referrers API only: a 404 there is an
	// error like any other unwanted status.
	ReferrersAPIOnly
	// ReferrersTagSchemaOnly reads the referrers tag schema only, without
	// asking the referrers API.
	ReferrersTagSchemaOnly
)

// String returns "auto", "api-only" or "tag-schema-only".
func (m ReferrersMode) String() string {
	switch m {
	case ReferrersAuto:
		return "auto"
	case ReferrersAPIOnly:
		return "api-only"
	case ReferrersTagSchemaOnly:
		return "tag-schema-only"
	}
	return "ReferrersMode(" + strconv.Itoa(int(m)) + ")"
}

// WithReferrersMode sets how Referrers finds referrers. The default is
// ReferrersAuto. Only Referrers reads it.
func WithReferrersMode(m ReferrersMode) CallOption {
	return func(cc *callConfig) {
		cc.use("WithReferrersMode", referrersOnly...)
		cc.listing.referrersMode = m
	}
}

func (o *listingOptions) pagesLimit() int {
	if o.maxPages <= 0 {
		return DefaultMaxPages
	}
	return o.maxPages
}

func (o *listingOptions) bodyLimit() int64 {
	if o.maxPageBody <= 0 {
		return DefaultMaxPageBody
	}
	return o.maxPageBody
}

func (o *listingOptions) totalLimit() int64 {
	if o.maxTotalBody <= 0 {
		return DefaultMaxTotalBody
	}
	return o.maxTotalBody
}

func (o *listingOptions) entriesLimit() int {
	if o.maxEntries <= 0 {
		return DefaultMaxEntries
	}
	return o.maxEntries
}
