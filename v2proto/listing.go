package v2proto

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/registrytest/registrytest/failures"
	"github.com/registrytest/registrytest/schema2"
)

// maxPagePath is the most bytes of a Page.Path kept.
const maxPagePath = 512

// A Page is one page of a listing call: one request and its answer.
type Page struct {
	// Path is the path and query of the page's request, redacted as in
	// StatusError.Path: the first page's as the client built it, the
	// others' as the registry's Link gave them. A path longer than 512
	// bytes is cut there and ends in "...".
	Path string
	// Entries is how many entries (tags, repositories, descriptors) the
	// page listed.
	Entries int
	// Next reports whether the page's answer had a Link with rel="next".
	Next bool
}

// A TagsResult is what Tags listed.
type TagsResult struct {
	// Name is the name member of the answers (checked to be the
	// repository's name on every page).
	Name string
	// Tags are all the tags of all pages, in the order received,
	// duplicates included.
	Tags []string
	// Pages are the pages, in order.
	Pages []Page
	// Paginated reports whether the registry sent a next Link on some
	// page (more than one page was requested).
	Paginated bool
	// Sorted reports whether Tags is in one of the orders the OCI spec
	// allows: byte order (Go's sort.Strings, "ASCIIbetical") or
	// case-insensitive order. An empty list is sorted.
	Sorted bool
	// Duplicates are the tags listed more than once, each once, in the
	// order their second listing came.
	Duplicates []string
}

// A CatalogResult is what Catalog listed.
type CatalogResult struct {
	// Repositories are all the repository names of all pages, in the order
	// received, duplicates included.
	Repositories []string
	// Pages are the pages, in order.
	Pages []Page
	// Paginated reports whether the registry sent a next Link on some
	// page.
	Paginated bool
	// Sorted reports whether Repositories is in byte order or in
	// case-insensitive order. An empty list is sorted.
	Sorted bool
	// Duplicates are the names listed more than once, each once.
	Duplicates []string
}

// A ReferrersResult is what Referrers found.
type ReferrersResult struct {
	// Subject is the digest whose referrers were asked for.
	Subject digest.Digest
	// ArtifactType is the filter asked for (WithArtifactType), "" for
	// none.
	ArtifactType string
	// Manifests are the descriptors the registry listed: those of every
	// page of the referrers API's answers, or those of the tag-schema
	// index. They are as listed: when the registry did not apply the
	// filter, they are not filtered (see Matching).
	Manifests []v1.Descriptor
	// FiltersApplied are the filters the registry's first page says it
	// applied (the OCI-Filters-Applied header, split at commas); nil when
	// it names none, and always nil from the tag schema.
	FiltersApplied []string
	// Pages are the pages of the referrers API, in order; nil when the
	// tag schema was used.
	Pages []Page
	// TagSchema reports that the referrers came from the referrers tag
	// schema (the index tagged ReferrersTag(Subject)): the referrers API
	// answered 404 (ReferrersAuto), or was not asked
	// (ReferrersTagSchemaOnly).
	TagSchema bool
	// TagSchemaFound reports that the tag-schema tag exists (the
	// registry answered 200); when TagSchema is true and it is false, the
	// tag answered 404, which the spec reads as "no referrers".
	TagSchemaFound bool
	// TagSchemaIgnored says why the tag-schema tag's content was not
	// used (it is not an OCI image index), "" when it was or when there
	// was none. The OCI spec has clients read such a tag as no referrers.
	TagSchemaIgnored string
	// Duplicates are the digests listed more than once (over all pages),
	// each once.
	Duplicates []digest.Digest
}

// FilterApplied reports whether the registry says it applied the
// artifactType filter.
func (r *ReferrersResult) FilterApplied() bool {
	return slices.ContainsFunc(r.FiltersApplied, func(f string) bool { return strings.EqualFold(f, "artifactType") })
}

// Matching returns the descriptors of Manifests whose artifactType is
// ArtifactType, or all of them when ArtifactType is "": the filter applied
// on the client side, whether or not the registry applied it.
func (r *ReferrersResult) Matching() []v1.Descriptor {
	if r.ArtifactType == "" {
		return slices.Clone(r.Manifests)
	}
	var out []v1.Descriptor
	for _, d := range r.Manifests {
		if d.ArtifactType == r.ArtifactType {
			out = append(out, d)
		}
	}
	return out
}

// A TagsPage is one page of a tag listing, as TagPages yields it.
type TagsPage struct {
	// Page is the page's request and what it listed.
	Page
	// Name is the page's name member, the repository's name (checked).
	Name string
	// Tags are the page's tags, in the order received; empty, not nil,
	// for a page of none (or of "tags": null).
	Tags []string
}

// A CatalogPage is one page of the catalog, as CatalogPages yields it.
type CatalogPage struct {
	// Page is the page's request and what it listed.
	Page
	// Repositories are the page's repository names, in the order received;
	// empty, not nil, for a page of none.
	Repositories []string
}

// Tags lists the tags of repository name: GET /v2/<name>/tags/list (the
// list-tags step), with n (WithPageSize) and last (WithLast) on the first
// request, then each Link rel="next" of the answers (RFC 8288; relative
// targets are resolved against the request's URL) until an answer has
// none. The default token scope is repository:<name>:pull.
//
// Every page must answer 200 with a JSON object (whatever its
// Content-Type: the spec asks for "a json body", not a media type) whose
// name member is name and whose tags member is an array of strings (or
// null, as 2.8 sends for a repository whose tags were all deleted); with
// WithPageSize(n), n >= 0, a page may list at most n tags. A next Link must
// point at the registry's own scheme and host; a URL requested before or a
// non-empty page that repeats an earlier one is a pagination loop. Pages
// are capped in number (Limits.MaxPages), in bytes (Limits.MaxPageBody, and
// Limits.MaxTotalBody over all pages), in entries over all pages
// (Limits.MaxEntries), and next URLs in length (MaxNextURL, for the path and
// query). Each breach is a *ResponseError; a page answering another status
// is a *StatusError (a repository that does not exist: distribution
// answers 404 NAME_UNKNOWN).
//
// Tags collects the pages of TagPages: the result says what the registry
// did: the pages and their sizes, whether it paginated and whether the
// tags came sorted, and duplicates; judging these is left to the caller.
// Its memory grows with the tags listed (up to Limits.MaxEntries); TagPages
// walks in flat memory. When the call's expected failure is met, Tags
// returns nil, nil.
func (c *Client) Tags(ctx context.Context, name string, opts ...CallOption) (res *TagsResult, err error) {
	cl := c.newCall("Tags", opts)
	defer func() { err = cl.end(c, err) }()
	res = &TagsResult{}
	var co collector
	w, err := c.tagPages(ctx, cl, name, func(pg *TagsPage) bool {
		res.Name = pg.Name
		return co.add(pg.Page, pg.Tags)
	})
	if err != nil || w.stop {
		return nil, err
	}
	res.Tags, res.Pages, res.Paginated, res.Duplicates = co.keys, co.pages, co.paginated, co.duplicates
	res.Sorted = sortedEitherWay(res.Tags)
	if res.Tags == nil {
		res.Tags = []string{}
	}
	return res, nil
}

// TagPages walks the tags of repository name page by page: the requests,
// checks and bounds of Tags (WithPageSize, WithLast, the listing
// fields of WithLimits and MaxNextURL), each
// checked page yielded as it comes, with a nil error. The walk keeps
// nothing of a page once it is yielded (only a hash of its URL and of its
// tags, to find loops), so its memory stays flat however many pages the
// registry serves; duplicates across pages and the order of all tags are
// the caller's to find (Tags does).
//
// An error (of a page, of the ping or auth steps, or of the options) is
// yielded once, with a nil page, and ends the walk; so does a
// *MissedFailureError when the call expected a failure that no page met.
// When the expected failure is met, the walk ends without yielding it.
// Breaking out of the loop stops the walk: no further page is requested.
//
//	for pg, err := range c.TagPages(ctx, "ns/repo", WithPageSize(100)) {
//		if err != nil {
//			return err
//		}
//		for _, tag := range pg.Tags { ... }
//	}
func (c *Client) TagPages(ctx context.Context, name string, opts ...CallOption) iter.Seq2[*TagsPage, error] {
	return func(yield func(*TagsPage, error) bool) {
		cl := c.newCall("TagPages", opts)
		w, err := c.tagPages(ctx, cl, name, func(pg *TagsPage) bool { return yield(pg, nil) })
		if err == nil && w.broken {
			return
		}
		if err = cl.end(c, err); err != nil {
			yield(nil, err)
		}
	}
}

// tagPages runs the tag walk of Tags and TagPages on cl, calling each
// with every checked page.
func (c *Client) tagPages(ctx context.Context, cl *call, name string, each func(*TagsPage) bool) (*walked, error) {
	if err := checkName(cl.name, name); err != nil {
		return nil, err
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return &walked{stop: stop}, err
	}
	return c.walk(ctx, cl, pager{
		step:  failures.ListTags,
		what:  "tags",
		first: "/v2/" + name + "/tags/list" + listQuery(&cl.listing),
		parse: func(req *http.Request, resp *http.Response, body []byte) ([]string, error) {
			rerr := c.pageError(req, resp, failures.ListTags)
			n, tags, err := parseListBody(body, "tags", true)
			if err != nil {
				return nil, rerr("body", err.Error(), `{"name": "`+name+`", "tags": [...]}`)
			}
			if n != name {
				return nil, rerr("name", strconv.Quote(n), strconv.Quote(name))
			}
			return tags, nil
		},
	}, func(pg Page, keys []string) bool {
		return each(&TagsPage{Page: pg, Name: name, Tags: keys})
	})
}

// Catalog lists the registry's repositories: GET /v2/_catalog (the catalog
// step), with n (WithPageSize) and last (WithLast) on the first request,
// then each Link rel="next" as Tags does, with the same checks and bounds
// on pages whose JSON object has a repositories member (an array of
// strings, or null). It collects the pages of CatalogPages, which walks
// them in flat memory. The token scope is as CatalogPages says. When the
// call's expected failure is met, Catalog returns nil, nil.
func (c *Client) Catalog(ctx context.Context, opts ...CallOption) (res *CatalogResult, err error) {
	cl := c.newCall("Catalog", opts)
	defer func() { err = cl.end(c, err) }()
	var co collector
	w, err := c.catalogPages(ctx, cl, func(pg *CatalogPage) bool { return co.add(pg.Page, pg.Repositories) })
	if err != nil || w.stop {
		return nil, err
	}
	res = &CatalogResult{Repositories: co.keys, Pages: co.pages, Paginated: co.paginated, Duplicates: co.duplicates}
	res.Sorted = sortedEitherWay(res.Repositories)
	if res.Repositories == nil {
		res.Repositories = []string{}
	}
	return res, nil
}

// CatalogPages walks the registry's catalog page by page, as TagPages
// walks tags: the requests, checks and bounds of Catalog, each checked page
// yielded as it comes, in flat memory; an error is yielded once and ends
// the walk.
//
// The default token scope is registry:catalog:* (distribution refuses a
// token without it with 401 UNAUTHORIZED); with WithScopeGrammar(ScopesQuay)
// the token request names no scope, as Quay's own client asks.
func (c *Client) CatalogPages(ctx context.Context, opts ...CallOption) iter.Seq2[*CatalogPage, error] {
	return func(yield func(*CatalogPage, error) bool) {
		cl := c.newCall("CatalogPages", opts)
		w, err := c.catalogPages(ctx, cl, func(pg *CatalogPage) bool { return yield(pg, nil) })
		if err == nil && w.broken {
			return
		}
		if err = cl.end(c, err); err != nil {
			yield(nil, err)
		}
	}
}

// catalogPages runs the catalog walk of Catalog and CatalogPages on cl.
func (c *Client) catalogPages(ctx context.Context, cl *call, each func(*CatalogPage) bool) (*walked, error) {
	if stop, err := c.begin(ctx, cl, c.catalogScopes()); err != nil || stop {
		return &walked{stop: stop}, err
	}
	return c.walk(ctx, cl, pager{
		step:  failures.Catalog,
		what:  "repositories",
		first: "/v2/_catalog" + listQuery(&cl.listing),
		parse: func(req *http.Request, resp *http.Response, body []byte) ([]string, error) {
			_, repos, err := parseListBody(body, "repositories", false)
			if err != nil {
				return nil, c.pageError(req, resp, failures.Catalog)("body", err.Error(), `{"repositories": [...]}`)
			}
			return repos, nil
		},
	}, func(pg Page, keys []string) bool {
		return each(&CatalogPage{Page: pg, Repositories: keys})
	})
}

// Referrers lists the manifests of repository name whose subject is
// subject (OCI distribution spec 1.1, "Listing Referrers"). The default
// token scope is repository:<name>:pull.
//
// Unless WithReferrersMode(ReferrersTagSchemaOnly), it sends GET
// /v2/<name>/referrers/<subject> (the referrers step), with artifactType
// when WithArtifactType gives one, and follows Link rel="next" pages as
// Tags does (same bounds and loop checks). Every page must answer 200 with
// Content-Type application/vnd.oci.image.index.v1+json and an OCI image
// index (schema2.ParseIndex); when a page's OCI-Filters-Applied names
// artifactType, each of its descriptors must have the asked artifactType.
// Each breach is a *ResponseError.
//
// When the API answers 404 (ReferrersAuto, the default) or is not asked,
// Referrers reads the referrers tag schema: GET
// /v2/<name>/manifests/<ReferrersTag(subject)> with Accept
// application/vnd.oci.image.index.v1+json (the get-manifest-list step,
// where 404 means no referrers), and lists the manifests of the OCI image
// index found there; content that is not one is ignored, as the spec says,
// and the result says why (TagSchemaIgnored). With ReferrersAPIOnly a 404
// is a *StatusError.
//
// subject must have the form algorithm:encoded of the spec's digest
// grammar. When the call's expected failure is met, Referrers returns nil,
// nil.
func (c *Client) Referrers(ctx context.Context, name string, subject digest.Digest, opts ...CallOption) (res *ReferrersResult, err error) {
	cl := c.newCall("Referrers", opts)
	defer func() { err = cl.end(c, err) }()
	if err := checkName("Referrers", name); err != nil {
		return nil, err
	}
	if !digestGrammar(string(subject)) {
		return nil, fmt.Errorf("v2proto.Referrers: subject %q, want a digest (algorithm:encoded)", linkClip(string(subject), 80))
	}
	if stop, err := c.begin(ctx, cl, []string{"repository:" + name + ":pull"}); err != nil || stop {
		return nil, err
	}
	o := &cl.listing
	res = &ReferrersResult{Subject: subject, ArtifactType: o.artifactType}
	if o.referrersMode != ReferrersTagSchemaOnly {
		first := "/v2/" + name + "/referrers/" + string(subject)
		if o.artifactType != "" {
			first += "?artifactType=" + url.QueryEscape(o.artifactType)
		}
		pageNo := 0
		var co collector
		w, err := c.walk(ctx, cl, pager{
			step:       failures.Referrers,
			what:       "referrers",
			first:      first,
			accept:     v1.MediaTypeImageIndex,
			notFoundOK: o.referrersMode == ReferrersAuto,
			parse: func(req *http.Request, resp *http.Response, body []byte) ([]string, error) {
				rerr := c.pageError(req, resp, failures.Referrers)
				ct := resp.Header.Get("Content-Type")
				if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != v1.MediaTypeImageIndex {
					return nil, rerr("Content-Type", strconv.Quote(linkClip(ct, 80)), strconv.Quote(v1.MediaTypeImageIndex))
				}
				ix, err := schema2.ParseIndex(body)
				if err != nil {
					return nil, rerr("body", "not an image index: "+err.Error(), "an OCI image index")
				}
				if ix.Kind() != schema2.KindOCIIndex {
					return nil, rerr("body", fmt.Sprintf("of mediaType %q", ix.MediaType), "an OCI image index")
				}
				applied := splitList(resp.Header.Values("OCI-Filters-Applied"))
				if pageNo == 0 {
					res.FiltersApplied = applied
				}
				pageNo++
				filtered := o.artifactType != "" && slices.ContainsFunc(applied, func(f string) bool { return strings.EqualFold(f, "artifactType") })
				keys := make([]string, len(ix.Manifests))
				for i, d := range ix.Manifests {
					if filtered && d.ArtifactType != o.artifactType {
						return nil, rerr(fmt.Sprintf("manifests[%d].artifactType", i), strconv.Quote(d.ArtifactType),
							strconv.Quote(o.artifactType)+" (OCI-Filters-Applied: artifactType)")
					}
					keys[i] = string(d.Digest)
				}
				res.Manifests = append(res.Manifests, ix.Manifests...)
				return keys, nil
			},
		}, co.add)
		if err != nil || w.stop {
			return nil, err
		}
		if !w.notFound {
			res.Pages, res.Duplicates = co.pages, digestsOf(co.duplicates)
			return res, nil
		}
	}
	stop, err := c.referrersTagSchema(ctx, cl, name, res)
	if err != nil || stop {
		return nil, err
	}
	return res, nil
}

// referrersTagSchema reads the referrers tag schema into res.
func (c *Client) referrersTagSchema(ctx context.Context, cl *call, name string, res *ReferrersResult) (bool, error) {
	res.TagSchema = true
	req, err := c.newRequest(ctx, http.MethodGet, "/v2/"+name+"/manifests/"+ReferrersTag(res.Subject), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", v1.MediaTypeImageIndex)
	resp, stop, err := c.exchange(ctx, cl, failures.GetManifestList, req, http.StatusNotFound)
	if err != nil || stop {
		return stop, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	res.TagSchemaFound = true
	body, err := c.readPage(cl, failures.GetManifestList, req, resp, cl.listing.bodyLimit())
	if err != nil {
		return false, err
	}
	kind, err := schema2.Detect(resp.Header.Get("Content-Type"), body)
	switch {
	case err != nil:
		res.TagSchemaIgnored = err.Error()
		return false, nil
	case kind != schema2.KindOCIIndex:
		res.TagSchemaIgnored = fmt.Sprintf("the tag holds a %s, not an OCI image index", kind)
		return false, nil
	}
	ix, err := schema2.ParseIndex(body)
	if err != nil {
		res.TagSchemaIgnored = err.Error()
		return false, nil
	}
	if len(ix.Manifests) > cl.listing.entriesLimit() {
		return false, c.pageError(req, resp, failures.GetManifestList)("index", fmt.Sprintf("of %d manifests", len(ix.Manifests)),
			fmt.Sprintf("at most %d (Limits.MaxEntries)", cl.listing.entriesLimit()))
	}
	res.Manifests = ix.Manifests
	seen := map[digest.Digest]int{}
	for _, d := range ix.Manifests {
		seen[d.Digest]++
		if seen[d.Digest] == 2 {
			res.Duplicates = append(res.Duplicates, d.Digest)
		}
	}
	return false, nil
}

// ReferrersTag returns the tag of the OCI referrers tag schema for d: the
// algorithm truncated to 32 characters, "-", the encoded part truncated to
// 64 characters, with every character a tag may not hold replaced by "-".
// For example sha256:<64 hex> gives "sha256-<64 hex>".
func ReferrersTag(d digest.Digest) string {
	alg, enc, _ := strings.Cut(string(d), ":")
	if len(alg) > 32 {
		alg = alg[:32]
	}
	if len(enc) > 64 {
		enc = enc[:64]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '-'
	}, alg+"-"+enc)
}

// pager describes one listing walk.
type pager struct {
	step failures.Step
	// what names the entries in messages: "tags", "repositories",
	// "referrers".
	what string
	// first is the reference of the first page's request.
	first string
	// accept, when set, is the Accept header of every request.
	accept string
	// notFoundOK lets the first page answer 404: walk then returns with
	// notFound set.
	notFoundOK bool
	// parse checks a page's answer and returns its entries' keys (the
	// entries themselves for tags and repositories, digests for
	// referrers).
	parse func(req *http.Request, resp *http.Response, body []byte) ([]string, error)
}

// walked is how a walk ended.
type walked struct {
	// notFound: the first page answered 404 and p.notFoundOK.
	notFound bool
	// stop: the call's expected failure was met.
	stop bool
	// broken: each returned false.
	broken bool
}

// walk requests the pages of p, following Link rel="next", with the
// call's bounds and checks, and calls each with every page and its keys
// (never nil: a page without keys has an empty slice); when each returns
// false, walk returns at once (broken).
//
// walk keeps nothing of a page once each has returned, so that its memory
// stays flat however long the walk: per page, the hash of its URL and of
// its keys (to find loops), at most the page limit of each. What a caller
// keeps of the pages is its own (the collectors keep them all, within
// Limits.MaxEntries).
func (c *Client) walk(ctx context.Context, cl *call, p pager, each func(pg Page, keys []string) bool) (*walked, error) {
	o := &cl.listing
	w := &walked{}
	next, err := c.url(p.first)
	if err != nil {
		return nil, fmt.Errorf("v2proto: bad URL %q: %v", c.redactRef(p.first), err)
	}
	requested := map[[sha256.Size]byte]bool{} // hashes: URLs may be long
	var total int64                           // body bytes read
	entries := 0                              // entries listed
	pageSums := map[[sha256.Size]byte]int{}
	checkN := o.pageSizeSet && o.pageSize >= 0 && p.step != failures.Referrers
	var prev func(what, got, want string) error // errors about the previous page's Link
	for n := 0; ; n++ {
		target := next.String()
		if n >= o.pagesLimit() {
			return nil, prev("Link", "to a page after "+strconv.Itoa(n)+" pages", fmt.Sprintf("at most %d pages (Limits.MaxPages)", o.pagesLimit()))
		}
		h := sha256.Sum256([]byte(target))
		if requested[h] {
			return nil, prev("Link", strconv.Quote(c.redactURL(next))+", a URL requested before", "a new page (a pagination loop)")
		}
		requested[h] = true
		req, err := c.newRequest(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		if p.accept != "" {
			req.Header.Set("Accept", p.accept)
		}
		var also []int
		if n == 0 && p.notFoundOK {
			also = []int{http.StatusNotFound}
		}
		resp, stop, err := c.exchange(ctx, cl, p.step, req, also...)
		if err != nil {
			return nil, err
		}
		if stop {
			w.stop = true
			return w, nil
		}
		if resp.StatusCode == http.StatusNotFound && len(also) > 0 {
			drain(resp.Body)
			w.notFound = true
			return w, nil
		}
		rerr := c.pageError(req, resp, p.step)
		limit := min(o.bodyLimit(), o.totalLimit()-total)
		body, err := c.readPage(cl, p.step, req, resp, limit)
		resp.Body.Close()
		if err != nil {
			var re *ResponseError
			if errors.As(err, &re) && limit < o.bodyLimit() {
				return nil, rerr("body", fmt.Sprintf("of more than %d bytes after %d", limit, total),
					fmt.Sprintf("at most %d in all (Limits.MaxTotalBody)", o.totalLimit()))
			}
			return nil, err
		}
		total += int64(len(body))
		keys, err := p.parse(req, resp, body)
		body = nil // not kept: the keys are copies
		if err != nil {
			return nil, err
		}
		if checkN && len(keys) > o.pageSize {
			return nil, rerr("page", fmt.Sprintf("of %d %s", len(keys), p.what), fmt.Sprintf("at most %d (n=%d)", o.pageSize, o.pageSize))
		}
		if entries+len(keys) > o.entriesLimit() {
			return nil, rerr("page", fmt.Sprintf("of %d %s after %d", len(keys), p.what, entries),
				fmt.Sprintf("at most %d %s in all (Limits.MaxEntries)", o.entriesLimit(), p.what))
		}
		entries += len(keys)
		if len(keys) > 0 {
			sum := pageSum(keys)
			if i, ok := pageSums[sum]; ok {
				return nil, rerr("page", fmt.Sprintf("repeating page %d (%d %s)", i+1, len(keys), p.what), "a new page (a pagination loop)")
			}
			pageSums[sum] = n
		}

		links, err := ParseLink(resp.Request.URL, resp.Header.Values("Link"))
		if err != nil {
			return nil, rerr("Link", linkErrorText(c, cl, err), "links per RFC 8288")
		}
		var nextURL *url.URL
		for _, l := range links {
			if !l.HasRel("next") {
				continue
			}
			if nextURL != nil && nextURL.String() != l.URL.String() {
				return nil, rerr("Link", "with two next links", "at most one")
			}
			nextURL = l.URL
		}
		if nextURL != nil {
			if checkN && o.pageSize == 0 {
				return nil, rerr("Link", `with rel="next"`, "none (n=0)")
			}
			if n := len(nextURL.RequestURI()); n > MaxNextURL {
				return nil, rerr("Link", fmt.Sprintf("to a path and query of %d bytes", n), fmt.Sprintf("at most %d (MaxNextURL)", MaxNextURL))
			}
			if !c.sameHost(nextURL) {
				return nil, rerr("Link", strconv.Quote(redactQueriesInText(nextURL.Scheme+"://"+nextURL.Host+nextURL.EscapedPath())),
					"a next page on the registry's scheme and host "+strconv.Quote(c.BaseURL()))
			}
		}
		pg := Page{Path: strings.Clone(linkClip(c.redactURL(req.URL), maxPagePath)), Entries: len(keys), Next: nextURL != nil}
		if keys == nil {
			keys = []string{}
		}
		if !each(pg, keys) {
			w.broken = true
			return w, nil
		}
		if nextURL == nil {
			return w, nil
		}
		nextURL.Fragment, nextURL.RawFragment = "", ""
		next, prev = nextURL, rerr
	}
}

// collector keeps every page of a walk: what Tags, Catalog and Referrers
// return.
type collector struct {
	pages      []Page
	keys       []string
	duplicates []string
	paginated  bool
	count      map[string]int
}

// add is a walk's each: it keeps pg and keys, and finds duplicates.
func (co *collector) add(pg Page, keys []string) bool {
	if co.count == nil {
		co.count = map[string]int{}
	}
	co.pages = append(co.pages, pg)
	co.paginated = co.paginated || pg.Next
	for _, k := range keys {
		co.count[k]++
		if co.count[k] == 2 {
			co.duplicates = append(co.duplicates, k)
		}
	}
	co.keys = append(co.keys, keys...)
	return true
}

// pageError returns a function that makes *ResponseErrors about the
// answer resp to req.
func (c *Client) pageError(req *http.Request, resp *http.Response, step failures.Step) func(what, got, want string) error {
	return func(what, got, want string) error {
		return &ResponseError{Step: step, Method: req.Method, Path: c.redactURL(req.URL), Status: resp.StatusCode,
			What: what, Got: got, Want: want}
	}
}

// readPage reads at most max bytes of resp's body: a longer body is a
// *ResponseError, a failed read a *RequestError.
func (c *Client) readPage(cl *call, step failures.Step, req *http.Request, resp *http.Response, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, &RequestError{Step: step, Method: req.Method, Path: c.redactURL(req.URL), Err: err,
			msg: c.redactText(cl, "reading the body: "+causeText(err))}
	}
	if int64(len(b)) > max {
		return nil, c.pageError(req, resp, step)("body", fmt.Sprintf("of more than %d bytes", max), fmt.Sprintf("at most %d (Limits.MaxPageBody)", max))
	}
	return b, nil
}

// linkErrorText returns the reason of a ParseLink error, without the
// header value (which may hold secrets).
func linkErrorText(c *Client, cl *call, err error) string {
	if le, ok := err.(*linkError); ok {
		return fmt.Sprintf("that does not parse at %d: %s", le.at, c.redactText(cl, le.reason))
	}
	return c.redactText(cl, redactQueriesInText(err.Error()))
}

// listQuery returns the query of a first tags or catalog request.
func listQuery(o *listingOptions) string {
	q := url.Values{}
	if o.pageSizeSet {
		q.Set("n", strconv.Itoa(o.pageSize))
	}
	if o.last != "" {
		q.Set("last", o.last)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// parseListBody parses a tags or catalog page: a JSON object whose member
// key is an array of strings or null and, when withName, whose name member
// is a string. Keys are matched exactly, as the spec writes them.
//
// The page's Content-Type is not looked at: OCI distribution spec v1.1.1,
// "Listing Tags", says "Upon success, the response MUST be a json body in
// the following format", and nothing of its media type (CUE's ociserver
// sends text/plain; charset=utf-8). The body is parsed as JSON whatever
// its type; a body that is not the JSON wanted is still an error.
func parseListBody(body []byte, key string, withName bool) (name string, list []string, err error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return "", nil, fmt.Errorf("that is not a JSON object")
	}
	if withName {
		raw, ok := obj["name"]
		if !ok {
			return "", nil, fmt.Errorf("without a name member")
		}
		if json.Unmarshal(raw, &name) != nil || string(raw) == "null" {
			return "", nil, fmt.Errorf("with name %s", linkClip(string(raw), 40))
		}
	}
	raw, ok := obj[key]
	if !ok {
		return "", nil, fmt.Errorf("without a %s member", key)
	}
	if json.Unmarshal(raw, &list) != nil {
		return "", nil, fmt.Errorf("with %s %s, not an array of strings", key, linkClip(string(raw), 40))
	}
	return name, list, nil
}

// sortedEitherWay reports whether s is in byte order or in
// case-insensitive order.
func sortedEitherWay(s []string) bool {
	if slices.IsSorted(s) {
		return true
	}
	return slices.IsSortedFunc(s, func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	})
}

// pageSum is a hash of a page's keys, to find repeated pages.
func pageSum(keys []string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, k := range keys {
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		h.Write(n[:])
		io.WriteString(h, k)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// splitList splits comma-separated header values, trimming white space
// and dropping empty elements; nil when there are none.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

func digestsOf(keys []string) []digest.Digest {
	var out []digest.Digest
	for _, k := range keys {
		out = append(out, digest.Digest(k))
	}
	return out
}

// checkName rejects a repository name that cannot stand in a URL path as
// it is; other names (invalid ones included) are sent, for the registry
// to judge.
func checkName(method, name string) error {
	bad := name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "?#%") ||
		strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f })
	if bad {
		return fmt.Errorf("v2proto.%s: name %q, want a repository name (not empty, no leading '/', no '?', '#', '%%', white space or control characters)", method, linkClip(name, 80))
	}
	return nil
}

// digestGrammar reports whether s has the form of the OCI spec's digest:
// algorithm ":" encoded, with algorithm [a-z0-9]+([+._-][a-z0-9]+)* and
// encoded [a-zA-Z0-9=_-]+.
func digestGrammar(s string) bool {
	alg, enc, ok := strings.Cut(s, ":")
	if !ok || alg == "" || enc == "" {
		return false
	}
	sepOK := false // a separator may follow a component, not start one
	for i := 0; i < len(alg); i++ {
		switch ch := alg[i]; {
		case 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9':
			sepOK = true
		case strings.IndexByte("+._-", ch) >= 0 && sepOK:
			sepOK = false
		default:
			return false
		}
	}
	if !sepOK {
		return false
	}
	for i := 0; i < len(enc); i++ {
		ch := enc[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '=' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}
